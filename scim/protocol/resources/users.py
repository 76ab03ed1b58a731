"""ScimUser <-> SCIM User JSON (RFC 7643 §4.1, §4.3).

Reading a request: attribute names match case-insensitively (RFC 7643 §2.1), unknown attributes
and read-only ones (id, meta, groups, emails[].display from Okta's PUT) are ignored, wrong types
raise invalidValue, and Okta's create-time `password` is dropped here so it reaches nothing.
"""

from __future__ import annotations

from django_scim.constants import SchemaURI

from scim.models import ScimUser
from scim.values import UserValues

from ..errors import invalid_value
from ..locations import group_location, scim_base_url, user_location
from .attributes import as_boolean, as_string, lowered, multi_valued, resource_meta

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
        fields[model_field] = multi_valued(data.get(attribute.lower()), attribute, subs)
    values.emails = multi_valued(data.get("emails"), "emails", ("value", "display", "type", "primary"))
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


def user_to_scim(user: ScimUser, base: str | None = None) -> dict:
    """The whole SCIM User; read it with ScimUser.objects.with_emails_and_groups(), or its e-mails and
    groups cost two queries more. `base`: scim_base_url(), once per response."""
    base = base or scim_base_url()
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
    emails = [{key: value for key, value in email.items() if value != ""} for email in user.email_list()]
    if emails:
        resource["emails"] = emails
    if user.phone_numbers:
        resource["phoneNumbers"] = user.phone_numbers
    if user.addresses:
        resource["addresses"] = user.addresses
    # Read-only: the IdP changes a user's groups through the Group resource.
    resource["groups"] = [
        {"value": group_id, "display": name, "$ref": group_location(group_id, base), "type": "direct"}
        for group_id, name in user.group_list()
    ]
    enterprise = {attribute: getattr(user, model_field) for attribute, model_field in ENTERPRISE_STRING_FIELDS.items()
                  if getattr(user, model_field)}
    if user.manager_id:
        enterprise["manager"] = {"value": user.manager_id, "$ref": user_location(user.manager_id, base)}
        if user.manager_display_name:
            enterprise["manager"]["displayName"] = user.manager_display_name
    if enterprise:
        resource[SchemaURI.ENTERPRISE_USER] = enterprise
    resource["meta"] = resource_meta("User", user, user_location(user.public_id, base))
    return resource


