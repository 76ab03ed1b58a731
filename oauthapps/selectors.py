"""Every read of OAuth applications and SCIM tokens that views, admin and the credential check use."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from tenants.models import Organization

from .models import Application, ScimToken


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
