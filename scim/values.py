"""What the directory's write services accept: a user's or a group's values, and member set steps.

The protocol (scim.protocol.resources) builds them from SCIM JSON; the services check the org's rules
on them and write them. They hold model field names, never SCIM attribute names.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class UserValues:
    """What a user should be: model field values and the e-mails (dicts of value, type, primary, display)."""

    fields: dict = field(default_factory=dict)
    emails: list[dict] = field(default_factory=list)


@dataclass
class GroupValues:
    """What a group should be; member_ids None: the request doesn't set members."""

    fields: dict = field(default_factory=dict)
    member_ids: list[str] | None = None


@dataclass
class MemberStep:
    """One set operation on a group's members: add, remove, remove_all or replace `user_ids`."""

    action: str
    user_ids: list[str] = field(default_factory=list)
