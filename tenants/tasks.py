import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import selectors, services
from .audit import Actor
from .effects import EffectTask, effects_prune, effects_redeliver, enqueue_effect
from .errors import NotFound
from .models import REVERIFICATION_GRACE, Domain, Organization
from .scoping import all_orgs_scope

log = logging.getLogger(__name__)


ROLE_IN_EMAIL = {
    "owner": "Owners manage everything in the organization's identity console, including other owners.",
    "admin": "Admins manage the organization's apps, tokens, domains and members in its identity console.",
    "member": "Members are listed in the organization but can't use its identity console; "
              "an owner or admin can make you an admin later.",
}


@shared_task(base=EffectTask)
def send_invitation_email(*, invitation_id: int, org_id: int) -> None:
    """The invitation's link, to accept or decline it. The token is rebuilt here from the row (never
    carried in the message), so a resend's newer link is the one any pending e-mail carries."""
    from .invitations import invitation_token

    org = Organization.objects.get(pk=org_id)
    try:
        invitation = selectors.invitation_by_pk(org=org, pk=invitation_id)
    except NotFound:
        log.info("invitation e-mail skipped: invitation %s no longer exists", invitation_id)
        return
    if invitation.status != invitation.Status.PENDING:
        log.info("invitation e-mail skipped: invitation %s is %s", invitation.public_id, invitation.status)
        return
    inviter = invitation.invited_by.get_full_name() if invitation.invited_by else "An administrator"
    link = settings.PUBLIC_BASE_URL + reverse("console:invitation_link", kwargs={"token": invitation_token(invitation)})
    send_mail(
        subject=f"You are invited to join {org.name}",
        message=(
            f"{inviter} invited you to join {org.name} as {invitation.get_role_display().lower()}.\n"
            f"{ROLE_IN_EMAIL[invitation.role]}\n\n"
            f"Accept or decline: {link}\n\n"
            f"The link works until {invitation.expires:%Y-%m-%d %H:%M} UTC. If you already have an account, "
            "sign in with this e-mail address; otherwise the link lets you choose a password.\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    log.info("invitation e-mail sent for invitation %s", invitation.public_id)


REVERIFICATION_INTERVAL = timedelta(hours=24)


@shared_task
def reverify_due_domains() -> int:
    """Beat, hourly: claim the verified domains last checked a day ago and fan their checks out.

    The claim (last_checked = now, under SKIP LOCKED) makes a doubled beat harmless: the second run
    finds nothing due. The chunk tasks are outbox rows committed with the claim, so a broker outage
    loses no check. Each chunk checks its domains one after another: the number of checks in flight is
    bounded by the workers' concurrency, and each check by the DNS/HTTP timeouts.
    """
    size = settings.DOMAIN_REVERIFICATION_CHUNK_SIZE
    with transaction.atomic():
        claimed = services.domain_claim_due_reverifications(now=timezone.now(), interval=REVERIFICATION_INTERVAL)
        for start in range(0, len(claimed), size):
            enqueue_effect(reverify_domains, pairs=claimed[start:start + size])
    log.info("re-verification of %d domains dispatched", len(claimed))
    return len(claimed)


@shared_task(acks_late=True)
def reverify_domains(*, pairs: list[tuple[int, int]]) -> None:
    """One chunk of the hourly fan-out: (domain id, org id) pairs, checked one after another."""
    for domain_id, org_id in pairs:
        reverify_domain(domain_id, org_id)


@shared_task(acks_late=True)
def reverify_domain(domain_id: int, org_id: int | None = None) -> None:
    """Re-check one domain for its org, as the system. `org_id` is None only in messages queued before
    tasks carried it: those look it up once."""
    if org_id is None:
        with all_orgs_scope():
            org_id = Domain.objects.filter(pk=domain_id).values_list("org_id", flat=True).first()
    org = Organization.objects.filter(pk=org_id).first() if org_id is not None else None
    if org is None or services.domain_reverify(org=org, actor=Actor.system(), domain_id=domain_id) is None:
        log.info("re-verification skipped: domain %s no longer exists", domain_id)


@shared_task(base=EffectTask)
def send_domain_lapsed_email(*, domain_id: int, org_id: int) -> None:
    org = Organization.objects.get(pk=org_id)
    try:
        domain = selectors.domain_by_pk(org=org, pk=domain_id)
    except NotFound:
        return  # removed since the lapse
    owners = selectors.org_owner_emails(org=org)
    if domain.status != Domain.Status.UNVERIFIED or not owners:
        return  # verified again since the lapse, or nobody to tell
    send_mail(
        subject=f"{domain.name} is no longer verified for {org.name}",
        message=(
            f"For {REVERIFICATION_GRACE.days} days we could not find the verification DNS record or HTTPS file of {domain.name}, "
            f"so it is no longer verified for {org.name}. Users at {domain.name} can't be provisioned "
            f"until it is verified again.\n\nLast failure: {domain.last_failure_reason}\n\n"
            f"Verify it again at {settings.PUBLIC_BASE_URL}{reverse('console:domains')}\n"
        ),
        from_email=None,
        recipient_list=owners,
    )
    log.info("domain lapse e-mail sent for %s", domain.public_id)


@shared_task
def redeliver_pending_effects() -> int:
    """Beat, every minute: send again the effects still pending a while after their message (tenants.effects)."""
    return effects_redeliver(now=timezone.now(), after=timedelta(seconds=settings.EFFECT_REDELIVERY_AFTER_SECONDS))


@shared_task
def prune_effects() -> int:
    return effects_prune(now=timezone.now())
