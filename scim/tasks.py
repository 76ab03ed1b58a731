import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, F
from django.utils import timezone

from tenants.effects import EffectTask
from tenants.errors import NotFound
from tenants.models import Organization
from tenants.scoping import all_orgs_scope

from .models import UserCount
from .selectors import scim_user_welcome_address
from .services.provisioning import provisioning_events_prune
from .services.users import user_count_compact

log = logging.getLogger(__name__)

PROVISIONING_LOG_DAYS = 30


@shared_task(base=EffectTask)
def send_welcome_email(*, user_id: int, org_id: int) -> None:
    org = Organization.objects.get(pk=org_id)
    try:
        user, address = scim_user_welcome_address(org=org, user_pk=user_id)
    except NotFound:
        log.info("welcome e-mail skipped: SCIM user %s no longer exists", user_id)
        return
    if address is None:
        return
    greeting = user.given_name or user.display_name or user.user_name
    send_mail(
        subject=f"Welcome to {org.name}",
        message=f"Hello {greeting},\n\n{org.name} has set up your account ({user.user_name}).\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[address],
    )


@shared_task
def prune_provisioning_log() -> int:
    """Delete provisioning events older than 30 days (every org: a maintenance job)."""
    return provisioning_events_prune(before=timezone.now() - timedelta(days=PROVISIONING_LOG_DAYS))


# An org's count sums at most about this many rows more than its buckets between two runs of the compaction.
USER_COUNT_ROWS_KEPT = 20


@shared_task
def compact_user_counts() -> int:
    """Fold the user-count deltas of every org that has piled some up (an import appends one per
    create); drop those of orgs that were deleted. Returns how many orgs were compacted."""
    with all_orgs_scope():
        UserCount.objects.exclude(org_id__in=Organization.objects.values("pk")).delete()
        org_ids = list(UserCount.objects.values("org_id")
                       .annotate(rows=Count("pk"), buckets=Count("id_bucket", distinct=True))
                       .filter(rows__gte=F("buckets") + USER_COUNT_ROWS_KEPT).values_list("org_id", flat=True))
    for org in Organization.objects.filter(pk__in=org_ids):
        user_count_compact(org=org)
    return len(org_ids)
