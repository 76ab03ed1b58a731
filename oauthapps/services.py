"""Every write to OAuth applications and SCIM tokens."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from tenants.models import Organization
from tenants.scoping import org_scope

from . import scopes as scope_names
from .models import ScimToken, hash_bearer_token


def scim_token_create(
    *, org: Organization, actor: User | None, name: str, scopes: list[str], expires: datetime | None = None
) -> tuple[ScimToken, str]:
    """Create a SCIM bearer token; returns it with the raw secret, which is never stored or shown again."""
    unknown = set(scopes) - set(scope_names.MANAGED_USERS)
    if unknown:
        raise ValidationError(f"Unknown scopes: {', '.join(sorted(unknown))}.", code="invalid_scope")
    raw = ScimToken.generate_raw_token()
    with transaction.atomic(), org_scope(org):
        token = ScimToken(
            org=org, name=name.strip(), scopes=sorted(scopes), expires=expires, created_by=actor,
            token_hash=hash_bearer_token(raw),
        )
        token.full_clean()
        token.save()
    return token, raw
