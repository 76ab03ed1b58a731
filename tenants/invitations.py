"""Every write to invitations: an admin invites, resends or revokes; the person accepts or declines.

Joining an org takes the person's acceptance (DESIGN.md invariant 9): inviting never creates a
membership, whether or not the e-mail already has an account. Accepting does, as the person. The
link's token is derived from a per-invitation nonce with the SECRET_KEY (so the e-mail task can
rebuild it without a secret in the broker's message) and only its sha256 is stored; a resend changes
the nonce, which kills the previous link.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import User, normalize_email

from . import audit
from .audit import Actor, ActorKind
from .effects import enqueue_effect
from .errors import NotFound
from .models import INVITATION_LIFETIME, Invitation, Membership, Organization
from .scoping import org_bound
from .services import _acting_role, _require_known_role, _require_owner_for, lock_org

Status = Invitation.Status

AUDIT_ACTIONS = {
    "invitation.created": "Invited a person",
    "invitation.resent": "Resent an invitation",
    "invitation.revoked": "Revoked an invitation",
    "invitation.accepted": "Accepted an invitation",
    "invitation.declined": "Declined an invitation",
}


def invitation_token(invitation: Invitation) -> str:
    """The secret in the invitation's link (rebuilt from the nonce; never stored)."""
    return salted_hmac("tenants.invitation", invitation.token_nonce, algorithm="sha256").hexdigest()


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(invitation: Invitation) -> None:
    """A fresh token and a fresh expiry (creation and resend)."""
    invitation.token_nonce = secrets.token_hex(16)
    invitation.token_hash = hash_invitation_token(invitation_token(invitation))
    invitation.expires = timezone.now() + INVITATION_LIFETIME


def _send(org: Organization, invitation: Invitation) -> None:
    from .tasks import send_invitation_email

    enqueue_effect(send_invitation_email, invitation_id=invitation.pk, org_id=org.pk)


def _locked(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        raise NotFound("No such invitation.")
    return locked


def _require_pending(invitation: Invitation) -> None:
    if invitation.status != Status.PENDING:
        raise ValidationError(
            f"The invitation for {invitation.email} was already {invitation.get_status_display().lower()}.",
            code="not_pending",
        )


def _pending_for_admin(actor: Actor, invitation: Invitation) -> Invitation:
    """The pending invitation, locked, for an admin (an owner, if it offers the owner role)."""
    acting_role = _acting_role(actor)
    invitation = _locked(invitation)
    _require_owner_for(acting_role, invitation.role)
    _require_pending(invitation)
    return invitation


@org_bound
def invitation_create(*, org: Organization, actor: Actor, email: str, role: str, display_name: str = "") -> Invitation:
    """Invite an e-mail address to the org with a role; the person joins only by accepting it."""
    email = normalize_email(email)
    validate_email(email)
    _require_known_role(role)
    with transaction.atomic():
        lock_org(org=org)  # serialises this check with a concurrent invite or acceptance
        _require_owner_for(_acting_role(actor), role)
        # Messages start with words, not the address: a message's first letter is shown capitalised.
        if Membership.objects.filter(user__email=email).exists():
            raise ValidationError(f"The address {email} is already a member of {org.name}.", code="already_member")
        if Invitation.objects.filter(email=email, status=Status.PENDING).exists():
            raise ValidationError(
                f"An invitation for {email} is already pending; resend or revoke it in the list below.",
                code="already_invited",
            )
        invitation = Invitation(org=org, email=email, role=role, display_name=display_name.strip(),
                                invited_by=actor.user)
        _new_link(invitation)
        invitation.full_clean(exclude=["org", "public_id"])
        invitation.save()
        audit.record(org=org, actor=actor, action="invitation.created", obj=invitation,
                     detail={"email": email, "role": role})
        _send(org, invitation)
    return invitation


@org_bound
def invitation_resend(*, org: Organization, actor: Actor, invitation: Invitation) -> Invitation:
    """A new link (the old one stops working) and a new expiry, e-mailed again."""
    with transaction.atomic():
        invitation = _pending_for_admin(actor, invitation)
        _new_link(invitation)
        invitation.save(update_fields=["token_nonce", "token_hash", "expires"])
        audit.record(org=org, actor=actor, action="invitation.resent", obj=invitation,
                     detail={"email": invitation.email, "expires": invitation.expires.isoformat()})
        _send(org, invitation)
    return invitation


@org_bound
def invitation_revoke(*, org: Organization, actor: Actor, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = _pending_for_admin(actor, invitation)
        invitation.status = Status.REVOKED
        invitation.save(update_fields=["status"])
        audit.record(org=org, actor=actor, action="invitation.revoked", obj=invitation,
                     detail={"email": invitation.email})
    return invitation


def _invitee(actor: Actor, invitation: Invitation) -> User:
    """Only the person invited answers: a signed-in member whose e-mail is the invitation's."""
    user = actor.user
    if actor.kind != ActorKind.MEMBER or user is None or not user.is_active or user.email != invitation.email:
        raise PermissionDenied("This invitation is for another e-mail address.")
    return user


def _answerable(actor: Actor, invitation: Invitation) -> tuple[User, Invitation]:
    user = _invitee(actor, invitation)
    invitation = _locked(invitation)
    _require_pending(invitation)
    if invitation.is_expired():
        raise ValidationError(
            f"This invitation to {invitation.org.name} expired; ask an administrator to resend it.", code="expired")
    return user, invitation


@org_bound
def invitation_accept(*, org: Organization, actor: Actor, invitation: Invitation) -> Membership:
    """The invited person joins the org with the invitation's role."""
    with transaction.atomic():
        lock_org(org=org)
        user, invitation = _answerable(actor, invitation)
        membership = Membership.objects.filter(user=user).first()
        if membership is None:
            membership = Membership.objects.create(org=org, user=user, role=invitation.role,
                                                   invited_by=invitation.invited_by)
        invitation.status = Status.ACCEPTED
        invitation.save(update_fields=["status"])
        audit.record(org=org, actor=actor, action="invitation.accepted", obj=invitation,
                     detail={"email": invitation.email, "role": membership.role})
    return membership


@org_bound
def invitation_decline(*, org: Organization, actor: Actor, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        _, invitation = _answerable(actor, invitation)
        invitation.status = Status.DECLINED
        invitation.save(update_fields=["status"])
        audit.record(org=org, actor=actor, action="invitation.declined", obj=invitation,
                     detail={"email": invitation.email})
    return invitation


@org_bound
def invitation_accept_with_new_password(
    *, org: Organization, invitation: Invitation, password: str, address: str | None = None
) -> Membership:
    """The link's holder has no usable password yet: they choose one, which accepts the invitation.

    Holding the link proves the mailbox, as a password-reset link does. An account that can already
    sign in is refused here (it signs in and accepts), so a link never replaces someone's password.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=invitation.email).first()
        if user is not None and (user.has_usable_password() or not user.is_active):
            raise PermissionDenied("This address already has an account: sign in to accept the invitation.")
        if user is None:
            user = User(email=invitation.email, display_name=invitation.display_name)
        validate_password(password, user)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same link opened twice at once: one account only
            raise ValidationError("This invitation was just used; sign in instead.", code="race") from None
        return invitation_accept(org=org, actor=Actor.member(user, address), invitation=invitation)
