"""The events every directory change emits (events.EVENT_TYPES), recorded by the directory's services
in the transaction of the change, so an error that rolls the change back rolls its events back too.

An event carries the resource as SCIM renders it, and rendering belongs to the protocol
(scim.protocol.resources), which the directory may not import (tests/scim/test_layers.py). So the
protocol registers its renderers here when the app registry is ready (scim.protocol.apps), and
the services hand them rows whose e-mails and groups are already known: rendering costs no query,
and each event costs the one statement of events.services.event_record.

- user.created, user.deactivated, user.reactivated: data["resource"] (a user created inactive is
  user.created with active false);
- user.updated, group.updated: data["resource"] and data["changed"], the SCIM attributes whose value
  changed (sorted; an extension's attributes by their full name, "urn:...:User:department");
  a write that changes nothing emits nothing, and `active` turning false (or back) is
  user.deactivated (user.reactivated), not user.updated;
- group.created: data["resource"] without members, and data["members"], the ids it starts with;
- group.member_added, group.member_removed: data["id"] (the group) and data["members"], the ids
  one request added or removed, net (one event per request, however many members);
- user.deleted, group.deleted: data["id"] only; each group a deleted user was in emits
  group.member_removed with that user's id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

from events.services import event_record
from tenants.audit import Actor
from tenants.models import Organization

# "User" / "Group" -> the function rendering a row as its SCIM resource (a group without members).
_renderers: dict[str, Callable[[object], dict]] = {}

# Attributes whose value always moves with a write (meta.version, lastModified) or that the directory
# never changes through the resource itself (a user's groups change through the Group resource).
_NOT_COMPARED = {"meta", "groups", "members", "schemas"}


def register_renderer(resource_type: str, render: Callable[[object], dict]) -> None:
    _renderers[resource_type] = render


def render(resource_type: str, row) -> dict:
    try:
        renderer = _renderers[resource_type]
    except KeyError:
        raise ImproperlyConfigured(f"No SCIM renderer for {resource_type} events: is "
                                   "scim.protocol.apps.ScimProtocolConfig in INSTALLED_APPS?") from None
    return renderer(row)


def _flattened(resource: dict) -> dict:
    """Top-level attributes, with an extension's (a key that is a schema URN) named in full."""
    flat = {}
    for name, value in resource.items():
        if name.startswith("urn:") and isinstance(value, dict):
            flat.update({f"{name}:{sub}": sub_value for sub, sub_value in value.items()})
        elif name not in _NOT_COMPARED:
            flat[name] = value
    return flat


def changed_attributes(before: dict, after: dict) -> list[str]:
    before, after = _flattened(before), _flattened(after)
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def _record(org: Organization, actor: Actor, type: str, resource_type: str, resource_id: str, data: dict) -> None:
    event_record(org=org, actor=actor, type=type, resource_type=resource_type, resource_id=resource_id, data=data)


def resource_created(*, org: Organization, actor: Actor, resource_type: str, row, **extra) -> None:
    """user.created / group.created."""
    _record(org, actor, f"{resource_type.lower()}.created", resource_type, row.public_id,
            {"resource": render(resource_type, row), **extra})


def resource_updated(*, org: Organization, actor: Actor, resource_type: str, row, before: dict,
                     transition: str | None = None) -> None:
    """user.updated / group.updated when an attribute changed (`before`: the resource before the
    write), and `transition` ("deactivated" / "reactivated") when a user's `active` turned."""
    after = render(resource_type, row)
    changed = [name for name in changed_attributes(before, after) if not (transition and name == "active")]
    noun = resource_type.lower()
    if changed:
        _record(org, actor, f"{noun}.updated", resource_type, row.public_id, {"resource": after, "changed": changed})
    if transition:
        _record(org, actor, f"{noun}.{transition}", resource_type, row.public_id, {"resource": after})


def resource_deleted(*, org: Organization, actor: Actor, resource_type: str, public_id: str) -> None:
    """user.deleted / group.deleted: the id only."""
    _record(org, actor, f"{resource_type.lower()}.deleted", resource_type, public_id, {"id": public_id})


def group_members_changed(*, org: Organization, actor: Actor, group_id: str, added: Iterable[str],
                          removed: Iterable[str]) -> None:
    """One group.member_added and one group.member_removed at most per request, with every id."""
    for type, members in (("group.member_added", added), ("group.member_removed", removed)):
        members = sorted(members)
        if members:
            _record(org, actor, type, "Group", group_id, {"id": group_id, "members": members})
