"""Reading and writing SCIM attributes (RFC 7643 §2): names match case-insensitively, values are typed,
and a response is projected with attributes / excludedAttributes (RFC 7644 §3.4.2.5)."""

from __future__ import annotations

from django_scim.constants import SchemaURI

from ..errors import invalid_value


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


def multi_valued(value, attribute: str, sub_attributes: tuple[str, ...]) -> list[dict]:
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
