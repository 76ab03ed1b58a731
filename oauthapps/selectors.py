"""Every read of OAuth applications, SCIM tokens and management API keys that views, admin and the credential check use.

Each selector is bound to the org it is given (@org_bound), except application_for_client_id, which
resolves a client id to its org before any org is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import User
from tenants.errors import NotFound
from tenants.models import Membership, Organization
from tenants.scoping import org_bound

from .models import ApiKey, Application, ScimToken

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def application_for_client_id(client_id) -> Application | None:
    """The active application with this client id, in any org: for the OAuth endpoints, which learn
    the org from the client id (callers enter that org's scope). Cross-org on purpose."""
    if not isinstance(client_id, str) or not client_id or "\x00" in client_id:
        return None
    application = (
        Application.objects.unscoped_for_credential_lookup()
        .select_related("org")
        .filter(client_id=client_id, status=Application.Status.ACTIVE)
        .first()
    )
    return application


@org_bound
def org_applications(*, org: Organization, grant_type: str | None = None) -> QuerySet[Application]:
    """The org's applications, newest first; only those of `grant_type` when given."""
    applications = Application.objects.select_related("created_by").order_by("-created")
    if grant_type is not None:
        applications = applications.filter(authorization_grant_type=grant_type)
    return applications


@org_bound
def application_by_client_id(*, org: Organization, client_id: str) -> Application:
    """Raises NotFound for another org's app exactly as for one that never existed."""
    try:
        return org_applications(org=org).get(client_id=client_id)
    except Application.DoesNotExist:
        raise NotFound("No such application.") from None


@org_bound
def org_active_scim_tokens(*, org: Organization, expiring_before: datetime | None = None) -> QuerySet[ScimToken]:
    """The org's unrevoked, unexpired SCIM tokens, newest first; only those expiring before
    `expiring_before` when given."""
    tokens = (
        ScimToken.objects.filter(revoked__isnull=True)
        .exclude(expires__lte=timezone.now())
        .select_related("created_by")
        .order_by("-created")
    )
    if expiring_before is not None:
        tokens = tokens.filter(expires__lte=expiring_before)
    return tokens


@org_bound
def scim_token_by_public_id(*, org: Organization, public_id: str) -> ScimToken:
    """Raises NotFound for another org's token exactly as for one that never existed."""
    return _by_public_id(ScimToken, public_id, "SCIM token")


def _by_public_id(model, public_id: str, what: str):
    try:
        return model.objects.get(public_id=public_id)
    except model.DoesNotExist:
        raise NotFound(f"No such {what}.") from None


@org_bound
def org_active_api_keys(*, org: Organization) -> QuerySet[ApiKey]:
    """The org's unrevoked, unexpired management API keys, newest first."""
    return (ApiKey.objects.filter(revoked__isnull=True).exclude(expires__lte=timezone.now())
            .select_related("created_by").order_by("-created"))


@org_bound
def api_key_by_public_id(*, org: Organization, public_id: str) -> ApiKey:
    """Raises NotFound for another org's key exactly as for one that never existed."""
    return _by_public_id(ApiKey, public_id, "API key")


ROLE_RANK = {Membership.Role.ADMIN: 1, Membership.Role.OWNER: 2}


@org_bound
def api_key_acting_role(*, org: Organization, key: ApiKey) -> str | None:
    """The role a key acts with: its own, capped by its creator's current role in the org. None (the
    key acts for nobody) once the creator left, was suspended by the IdP, deactivated or demoted to member."""
    creator = (Membership.objects.filter(user_id=key.created_by_id, suspended_by_idp=False, user__is_active=True)
               .values_list("role", flat=True).first()) if key.created_by_id else None
    if creator not in ROLE_RANK:
        return None
    return min(key.role, creator, key=ROLE_RANK.__getitem__)


@dataclass(frozen=True)
class Approver:
    """Someone whose approval live tokens of an auth-code app act for."""

    user: User
    still_valid: bool


@org_bound
def application_approvers(*, org: Organization, application: Application) -> list[Approver]:
    """The admins whose approval the app's live tokens carry: if one leaves the org, loses the
    admin role or is deactivated, those tokens stop working (the console warns beforehand).
    Only this org's owners and admins count: an admin of another org is no approver here."""
    if not application.is_authorization_code:
        return []
    now = timezone.now()
    live_access = AccessToken.objects.filter(application=application, expires__gt=now).values("user_id")
    live_refresh = RefreshToken.objects.filter(application=application, revoked__isnull=True).values("user_id")
    users = list(User.objects.filter(Q(pk__in=live_access) | Q(pk__in=live_refresh)).order_by("email"))
    administrators = set(
        Membership.objects.filter(user__in=users, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN])
        .values_list("user_id", flat=True)
    )
    return [Approver(user=user, still_valid=user.is_active and user.pk in administrators) for user in users]
