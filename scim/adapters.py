"""ScimUser <-> SCIM User JSON (RFC 7643 §4.1, §4.3).

Reading a request: attribute names match case-insensitively (RFC 7643 §2.1), unknown attributes
and read-only ones (id, meta, groups, emails[].display from Okta's PUT) are ignored, wrong types
raise invalidValue, and Okta's create-time `password` is dropped here so it reaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django_scim.constants import SchemaURI

from .errors import invalid_value
from .schemas import scim_base_url

NAME_FIELDS = {
    "formatted": "name_formatted", "familyName": "family_name", "givenName": "given_name",
    "middleName": "middle_name", "honorificPrefix": "honorific_prefix", "honorificSuffix": "honorific_suffix",
}
CORE_STRING_FIELDS = {
    "externalId": "external_id", "displayName": "display_name", "nickName": "nick_name", "title": "title",
    "userType": "user_type", "preferredLanguage": "preferred_language", "locale": "locale", "timezone": "timezone",
}
ENTERPRISE_STRING_FIELDS = {
    "employeeNumber": "employee_number", "costCenter": "cost_center", "organization": "organization",
    "division": "division", "department": "department",
}
MULTI_VALUED_SUB_ATTRIBUTES = {
    "phoneNumbers": ("value", "display", "type", "primary"),
    "addresses": ("formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary"),
}


@dataclass
class UserValues:
    """What a request says a user should be: model field values and the e-mails."""

    fields: dict = field(default_factory=dict)
    emails: list[dict] = field(default_factory=list)


def lowered(data: dict) -> dict:
    return {key.lower(): value for key, value in data.items()} if isinstance(data, dict) else {}


def as_string(value, attribute: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid_value(f"{attribute} must be a string.")
    return value.strip()


def as_boolean(value, attribute: str) -> bool:
    # Entra's default job sends "True"/"False" strings for active.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{attribute} must be true or false.")


def _multi_valued(value, attribute: str, sub_attributes: tuple[str, ...]) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise invalid_value(f"{attribute} must be a list of objects.")
    cleaned = []
    for item in value:
        item = lowered(item)
        entry = {}
        for sub in sub_attributes:
            if item.get(sub.lower()) is None:
                continue
            entry[sub] = as_boolean(item[sub.lower()], f"{attribute}.{sub}") if sub == "primary" else as_string(
                item[sub.lower()], f"{attribute}.{sub}")
        if entry:
            cleaned.append(entry)
    return cleaned


def user_values_from_scim(data, *, active_when_absent: bool | None = True) -> UserValues:
    """Parse a full User (POST or PUT body, or the result of applying a PATCH).

    A POST or PUT without `active` means active (a server default, RFC 7644 §3.5.1); after a PATCH
    that removed it, `active` is absent (active_when_absent=None).
    """
    if not isinstance(data, dict):
        raise invalid_value("The request body must be a JSON object.")
    data = lowered(data)
    values = UserValues()
    fields = values.fields
    fields["user_name"] = as_string(data.get("username"), "userName")
    if not fields["user_name"]:
        raise invalid_value("userName is required.")
    for attribute, model_field in CORE_STRING_FIELDS.items():
        fields[model_field] = as_string(data.get(attribute.lower()), attribute)
    fields["external_id"] = fields["external_id"] or None
    name = data.get("name")
    if name is not None and not isinstance(name, dict):
        raise invalid_value("name must be an object.")
    name = lowered(name or {})
    for attribute, model_field in NAME_FIELDS.items():
        fields[model_field] = as_string(name.get(attribute.lower()), f"name.{attribute}")
    fields["active"] = active_when_absent if data.get("active") is None else as_boolean(data["active"], "active")
    for attribute, subs in MULTI_VALUED_SUB_ATTRIBUTES.items():
        model_field = "phone_numbers" if attribute == "phoneNumbers" else "addresses"
        fields[model_field] = _multi_valued(data.get(attribute.lower()), attribute, subs)
    values.emails = _multi_valued(data.get("emails"), "emails", ("value", "display", "type", "primary"))
    for email in values.emails:
        if not email.get("value"):
            raise invalid_value("Every e-mail needs a value.")
    enterprise = data.get(SchemaURI.ENTERPRISE_USER.lower())
    if enterprise is not None and not isinstance(enterprise, dict):
        raise invalid_value("The enterprise extension must be an object.")
    enterprise = lowered(enterprise or {})
    for attribute, model_field in ENTERPRISE_STRING_FIELDS.items():
        fields[model_field] = as_string(enterprise.get(attribute.lower()), attribute)
    manager = enterprise.get("manager")
    if isinstance(manager, list):  # Entra's tutorial Example 5 sends the manager as a one-item list.
        manager = manager[0] if manager else None
    if isinstance(manager, str):
        manager = {"value": manager}
    if manager is not None and not isinstance(manager, dict):
        raise invalid_value("manager must be an object with a value.")
    manager = lowered(manager or {})
    fields["manager_id"] = as_string(manager.get("value"), "manager.value")
    fields["manager_display_name"] = as_string(manager.get("displayname"), "manager.displayName")
    return values


def user_location(user) -> str:
    return f"{scim_base_url()}/Users/{user.public_id}"


def user_to_scim(user) -> dict:
    """The whole SCIM User; `user.emails` should be prefetched."""
    resource = {
        "schemas": [SchemaURI.USER, SchemaURI.ENTERPRISE_USER],
        "id": user.public_id,
        "userName": user.user_name,
    }
    if user.external_id:
        resource["externalId"] = user.external_id
    name = {attribute: getattr(user, model_field) for attribute, model_field in NAME_FIELDS.items()
            if getattr(user, model_field)}
    if name:
        resource["name"] = name
    for attribute, model_field in CORE_STRING_FIELDS.items():
        if attribute != "externalId" and getattr(user, model_field):
            resource[attribute] = getattr(user, model_field)
    if user.active is not None:
        resource["active"] = user.active
    emails = [
        {key: value for key, value in (("value", e.value), ("display", e.display), ("type", e.type),
                                       ("primary", e.primary)) if value != ""}
        for e in user.emails.all()
    ]
    if emails:
        resource["emails"] = emails
    if user.phone_numbers:
        resource["phoneNumbers"] = user.phone_numbers
    if user.addresses:
        resource["addresses"] = user.addresses
    # Read-only; `user.group_memberships` prefetched with their groups (scim.selectors.users_with_emails).
    resource["groups"] = [
        {"value": m.group.public_id, "display": m.group.display_name,
         "$ref": f"{scim_base_url()}/Groups/{m.group.public_id}", "type": "direct"}
        for m in user.group_memberships.all()
    ]
    enterprise = {attribute: getattr(user, model_field) for attribute, model_field in ENTERPRISE_STRING_FIELDS.items()
                  if getattr(user, model_field)}
    if user.manager_id:
        enterprise["manager"] = {"value": user.manager_id, "$ref": f"{scim_base_url()}/Users/{user.manager_id}"}
        if user.manager_display_name:
            enterprise["manager"]["displayName"] = user.manager_display_name
    if enterprise:
        resource[SchemaURI.ENTERPRISE_USER] = enterprise
    resource["meta"] = resource_meta("User", user, user_location(user))
    return resource


def resource_meta(resource_type: str, row, location: str) -> dict:
    """meta (RFC 7643 §3.1) of a row with created, last_modified and etag."""
    return {
        "resourceType": resource_type,
        "created": row.created.isoformat().replace("+00:00", "Z"),
        "lastModified": row.last_modified.isoformat().replace("+00:00", "Z"),
        "location": location,
        "version": row.etag,
    }


def _split_attribute_path(path: str) -> tuple[str | None, str, str | None]:
    path = path.strip()
    uri = None
    if path.lower().startswith("urn:"):
        uri, _, path = path.rpartition(":")
        if path.lower() == SchemaURI.ENTERPRISE_USER.rpartition(":")[2].lower():  # the whole extension
            return f"{uri}:{path}".lower(), "", None
        uri = uri.lower()
    attribute, _, sub = path.partition(".")
    return uri, attribute.lower(), sub.lower() or None


def project(resource: dict, attributes: list[str], excluded: list[str]) -> dict:
    """Apply `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5); id and schemas always stay."""
    always = {"id", "schemas"}
    enterprise_key = SchemaURI.ENTERPRISE_USER
    if attributes:
        wanted = [_split_attribute_path(path) for path in attributes]
        result = {key: value for key, value in resource.items() if key in always}
        for uri, attribute, sub in wanted:
            if uri == enterprise_key.lower() and not attribute:
                if enterprise_key in resource:
                    result[enterprise_key] = resource[enterprise_key]
                continue
            source = lowered(resource.get(enterprise_key, {})) if uri == enterprise_key.lower() else lowered(resource)
            key_map = {k.lower(): k for k in (resource.get(enterprise_key, {}) if uri == enterprise_key.lower() else resource)}
            if attribute not in source:
                continue
            real_key = key_map[attribute]
            target = result.setdefault(enterprise_key, {}) if uri == enterprise_key.lower() else result
            value = source[attribute]
            if sub and isinstance(value, dict):
                picked = {k: v for k, v in value.items() if k.lower() == sub}
                target.setdefault(real_key, {}).update(picked)
            elif sub and isinstance(value, list):
                target[real_key] = [{k: v for k, v in item.items() if k.lower() == sub} for item in value]
            else:
                target[real_key] = value
        return result
    result = dict(resource)
    for uri, attribute, sub in (_split_attribute_path(path) for path in excluded):
        if uri == enterprise_key.lower() and not attribute:
            result.pop(enterprise_key, None)
            continue
        container = result.get(enterprise_key, {}) if uri == enterprise_key.lower() else result
        for key in list(container):
            if key.lower() != attribute or key in always:
                continue
            if sub is None:
                del container[key]
            elif isinstance(container[key], dict):
                container[key] = {k: v for k, v in container[key].items() if k.lower() != sub}
            elif isinstance(container[key], list):
                container[key] = [{k: v for k, v in item.items() if k.lower() != sub} for item in container[key]]
    return result
