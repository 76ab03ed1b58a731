"""The one audit recorder: who did what to an org, when, from which address (DESIGN.md invariant 8).

Every service that changes an org's people, domains, credentials or settings calls `record()` in
its own transaction, whoever acts: a member in the console, staff in /admin/, an IdP's credential
over SCIM, or the system (scheduled jobs). Rows are append-only: the application has no update or
delete path, and a database trigger refuses both (tenants.models.AuditEvent).

Each app declares the actions it records, in plain words, with `register_actions`; recording an
undeclared action is a programming error and raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from .models import AuditEvent, Organization
from .scoping import org_bound


class ActorKind(models.TextChoices):
    MEMBER = "member", "Member"
    STAFF = "staff", "Staff"
    CREDENTIAL = "credential", "IdP credential"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class Actor:
    """Who a service acts for. `user` is the account behind a member or staff actor; `label` is what
    the audit log shows (an e-mail, or a credential's name and id); `address` is the client's IP;
    `role` is the org role a credential acts with (a management API key), None for an IdP's."""

    kind: str
    label: str
    user: object = field(default=None, compare=False, repr=False)  # accounts.User or None
    address: str | None = None
    role: str | None = None

    @classmethod
    def member(cls, user, address: str | None = None) -> Actor:
        return cls(ActorKind.MEMBER, user.email, user, address)

    @classmethod
    def staff(cls, user, address: str | None = None) -> Actor:
        return cls(ActorKind.STAFF, user.email, user, address)

    @classmethod
    def credential(cls, label: str, address: str | None = None, role: str | None = None) -> Actor:
        return cls(ActorKind.CREDENTIAL, label, None, address, role)

    @classmethod
    def system(cls, label: str = "System") -> Actor:
        return cls(ActorKind.SYSTEM, label)

    @property
    def is_staff(self) -> bool:
        return self.kind == ActorKind.STAFF

    def __str__(self):
        return self.label


# action code -> what happened, in plain words ("Invited a member"); filled by each app.
ACTIONS: dict[str, str] = {}


def register_actions(actions: dict[str, str]) -> None:
    """Declare an app's audit actions (code -> plain words). Codes are `<object>.<verb>`."""
    for code, words in actions.items():
        if ACTIONS.get(code, words) != words:
            raise ValueError(f"Audit action {code} is declared twice with different words.")
        ACTIONS[code] = words


def action_words(code: str) -> str:
    return ACTIONS.get(code, code)


def _object_identity(obj) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    object_id = getattr(obj, "public_id", None) or getattr(obj, "client_id", None) or str(obj.pk)
    return str(obj._meta.verbose_name), object_id, str(obj)[:255]


@org_bound
def record(*, org: Organization, actor: Actor, action: str, obj=None, detail: dict | None = None) -> AuditEvent:
    """Append one audit row for `action` on `obj` in `org`. `detail` holds names and ids, never a secret:
    the org's admins read it."""
    if action not in ACTIONS:
        raise ValueError(f"Undeclared audit action {action!r}; declare it with tenants.audit.register_actions.")
    if not isinstance(actor, Actor):
        raise TypeError(f"actor must be a tenants.audit.Actor, not {type(actor).__name__}.")
    object_type, object_id, object_repr = _object_identity(obj)
    return AuditEvent.objects.create(
        org=org, actor_kind=actor.kind, actor_user_id=getattr(actor.user, "pk", None), actor_label=actor.label[:255],
        actor_address=actor.address, action=action, object_type=object_type, object_id=object_id,
        object_repr=object_repr, detail=detail or {},
    )
