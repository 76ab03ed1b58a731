"""Every write to the SCIM directory: provision, replace, delete, and account access on deactivation.

Each service runs in one transaction inside the org's scope; the org's rules (verified domains,
userName = primary e-mail, one primary e-mail) are checked here so every caller gets them.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from config.celery import enqueue_on_commit
from tenants.models import Organization
from tenants.scoping import org_scope
from tenants.selectors import domains_blocking_provisioning

from .adapters import UserValues
from .errors import invalid_value, uniqueness
from .models import ScimUser, ScimUserEmail


def _primary_email(values: UserValues) -> str | None:
    primaries = [email["value"] for email in values.emails if email.get("primary")]
    if primaries:
        return primaries[0]
    return values.emails[0]["value"] if len(values.emails) == 1 else None


def _check_org_rules(org: Organization, values: UserValues) -> None:
    for email in values.emails:
        local, at, domain = email["value"].rpartition("@")
        if not at or not local or not domain:
            raise invalid_value(f"{email['value']} is not an e-mail address.")
    if len(values.emails) > 1 and sum(1 for email in values.emails if email.get("primary")) != 1:
        raise invalid_value("With more than one e-mail, exactly one must be primary.")
    user_name = values.fields["user_name"]
    if org.username_must_equal_primary_email:
        primary = _primary_email(values)
        if primary is None or primary.lower() != user_name.lower():
            raise invalid_value("This organization requires userName to equal the primary e-mail.")
    domains = {email["value"].rpartition("@")[2].lower() for email in values.emails}
    if "@" in user_name:
        domains.add(user_name.rpartition("@")[2].lower())
    blocked = domains_blocking_provisioning(org=org, domains=sorted(domains))
    if blocked:
        raise invalid_value(
            f"The domain {', '.join(blocked)} is not verified by this organization; verify it in the console "
            "before provisioning users with it."
        )


def _check_unique(values: UserValues, exclude_pk: int | None) -> None:
    others = ScimUser.objects.exclude(pk=exclude_pk)
    # lower(user_name) = ...: the expression of the (org, lower(user_name)) unique index.
    if others.filter(Exact(Lower("user_name"), values.fields["user_name"].lower())).exists():
        raise uniqueness(f"A user with userName {values.fields['user_name']} already exists.")
    external_id = values.fields.get("external_id")
    if external_id and others.filter(external_id=external_id).exists():
        raise uniqueness(f"A user with externalId {external_id} already exists.")


def _save(user: ScimUser, values: UserValues, *, creating: bool) -> ScimUser:
    for model_field, value in values.fields.items():
        setattr(user, model_field, value)
    if not creating:
        user.version += 1
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # A concurrent request won the race the checks above looked for.
        raise uniqueness("A user with this userName or externalId already exists.") from None
    if not creating:
        ScimUserEmail.objects.filter(user=user).delete()
    ScimUserEmail.objects.bulk_create(
        ScimUserEmail(org_id=user.org_id, user=user, value=email["value"], type=email.get("type", ""),
                      display=email.get("display", ""),
                      primary=bool(email.get("primary")))
        for email in values.emails
    )
    return user


def provision_user(*, org: Organization, values: UserValues) -> ScimUser:
    """Create a user from an IdP. Okta's password never reaches here (scim.adapters drops it)."""
    with transaction.atomic(), org_scope(org):
        _check_org_rules(org, values)
        _check_unique(values, exclude_pk=None)
        user = _save(ScimUser(org=org), values, creating=True)
        if org.send_welcome_emails and values.emails:
            from .tasks import send_welcome_email

            enqueue_on_commit(send_welcome_email, user_id=user.pk, org_id=org.pk)
        if user.active is False:
            sync_account_access(org=org, user=user)
    return user


def replace_user(*, org: Organization, user: ScimUser, values: UserValues) -> ScimUser:
    """PUT (and the result of a PATCH): the user becomes exactly `values`; deactivation takes effect."""
    with transaction.atomic(), org_scope(org):
        _check_org_rules(org, values)
        _check_unique(values, exclude_pk=user.pk)
        was_deactivated = user.active is False
        _save(user, values, creating=False)
        if was_deactivated != (user.active is False):
            sync_account_access(org=org, user=user)
    return user


def delete_user(*, org: Organization, user: ScimUser) -> None:
    from .group_services import remove_user_from_groups

    with transaction.atomic(), org_scope(org):
        remove_user_from_groups(org=org, user=user)
        ScimUserEmail.objects.filter(user=user).delete()
        user.delete()


def sync_account_access(*, org: Organization, user: ScimUser) -> int:
    """Make the console account that belongs to this SCIM user follow its `active` flag.

    The account is the accounts.User, a member of this org, whose e-mail equals the SCIM user's
    userName or primary e-mail. Deactivating sets is_active False (the auth backend then refuses its
    sessions on their next request) and revokes its OAuth access and refresh tokens at once;
    reactivating sets is_active True again (revoked tokens stay revoked: the client signs in again).
    Returns how many accounts changed.
    """
    from accounts.models import User
    from oauth2_provider.models import get_access_token_model, get_refresh_token_model

    with org_scope(org):
        primary = next((e.value for e in user.emails.all() if e.primary), None)
    addresses = {user.user_name.lower()} | ({primary.lower()} if primary else set())
    accounts = User.objects.filter(email__in=addresses, memberships__org=org).distinct()
    account_ids = list(accounts.values_list("pk", flat=True))
    if not account_ids:
        return 0
    deactivated = user.active is False
    User.objects.filter(pk__in=account_ids).update(is_active=not deactivated)
    if deactivated:
        get_refresh_token_model().objects.filter(user_id__in=account_ids, revoked__isnull=True).update(
            revoked=timezone.now())
        get_access_token_model().objects.filter(user_id__in=account_ids).delete()
    return len(account_ids)
