"""Every read of OAuth applications and SCIM tokens that views, admin and the credential check use."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import User
from tenants.models import Membership, Organization

from .models import Application, ScimToken

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def application_for_client_id(client_id) -> Application | None:
    """The active application with this client id, in any org: for the OAuth endpoints, which learn
    the org from the client id (callers enter that org's scope)."""
    if not isinstance(client_id, str) or not client_id or "\x00" in client_id:
        return None
    application = (
        Application.objects.unscoped_for_credential_lookup()
        .select_related("org")
        .filter(client_id=client_id, status=Application.Status.ACTIVE)
        .first()
    )
    return application


def org_applications(org: Organization) -> QuerySet[Application]:
    return Application.objects.select_related("created_by").order_by("-created")


def application_by_client_id(org: Organization, client_id: str) -> Application:
    """Raises Application.DoesNotExist for another org's app exactly as for one that never existed."""
    return org_applications(org).get(client_id=client_id)


def org_active_scim_tokens(org: Organization) -> QuerySet[ScimToken]:
    now = timezone.now()
    return (
        ScimToken.objects.filter(revoked__isnull=True)
        .exclude(expires__lte=now)
        .select_related("created_by")
        .order_by("-created")
    )


def scim_token_by_public_id(org: Organization, public_id: str) -> ScimToken:
    return ScimToken.objects.get(public_id=public_id)


@dataclass(frozen=True)
class Approver:
    """Someone whose approval live tokens of an auth-code app act for."""

    user: User
    still_valid: bool


def application_approvers(application: Application) -> list[Approver]:
    """The admins whose approval the app's live tokens carry: if one leaves the org, loses the
    admin role or is deactivated, those tokens stop working (the console warns beforehand)."""
    if not application.is_authorization_code:
        return []
    now = timezone.now()
    live_access = AccessToken.objects.filter(application=application, expires__gt=now).values("user_id")
    live_refresh = RefreshToken.objects.filter(application=application, revoked__isnull=True).values("user_id")
    users = User.objects.filter(Q(pk__in=live_access) | Q(pk__in=live_refresh)).order_by("email")
    administrators = set(
        Membership.objects.filter(role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]).values_list("user_id", flat=True)
    )
    return [Approver(user=user, still_valid=user.is_active and user.pk in administrators) for user in users]
