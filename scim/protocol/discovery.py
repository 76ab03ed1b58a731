"""Discovery documents (RFC 7643 §5-7): ServiceProviderConfig, Schemas and ResourceTypes.

The schema documents are django-scim2's copies of RFC 7643 §8.7, trimmed to the attributes this
service stores, so that a client reading /Schemas learns the truth (no ims, photos, roles...).
Discovery needs no credential (RFC 7644 §4 allows it): it reveals nothing about any org.
"""

from __future__ import annotations

import copy

from django.conf import settings
from django_scim.constants import SchemaURI
from django_scim.schemas import ALL as LIBRARY_SCHEMAS

from .locations import scim_base_url

SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MAX_RESULTS = 200
DEFAULT_COUNT = 100
# Enforced by endpoints.bulk (413 beyond either, RFC 7644 §3.7.4).
MAX_BULK_OPERATIONS = 1000
MAX_BULK_PAYLOAD_BYTES = 1024 * 1024

UNSUPPORTED_USER_ATTRIBUTES = {"profileUrl", "ims", "photos", "entitlements", "roles", "x509Certificates"}


def _library_schema(schema_id: str) -> dict:
    return copy.deepcopy(next(doc for doc in LIBRARY_SCHEMAS if doc["id"] == schema_id))


def _with_meta(document: dict, resource_type: str, location: str) -> dict:
    document["schemas"] = [SCHEMA_SCHEMA] if resource_type == "Schema" else document.get("schemas", [])
    document["meta"] = {"resourceType": resource_type, "location": f"{scim_base_url()}/{location}"}
    return document


def _group_schema() -> dict:
    """RFC 7643 §8.7.1 says displayName required false, while §4.2 says REQUIRED: this service
    requires it (and keeps it unique per org). members gain the `display` sub-attribute of the
    §8.4 example (read-only: it is the user's displayName or userName, whatever the IdP sends)."""
    group = _library_schema(SchemaURI.GROUP)
    for attribute in group["attributes"]:
        if attribute["name"] == "displayName":
            attribute.update(required=True, uniqueness="server")
        if attribute["name"] == "members":
            for sub in attribute["subAttributes"]:
                if sub["name"] == "value":
                    sub["caseExact"] = True  # SCIM ids are compared exactly
            attribute["subAttributes"].append({
                "name": "display", "type": "string", "multiValued": False,
                "description": "The member's displayName, or userName when it has none.", "required": False,
                "caseExact": False, "mutability": "readOnly", "returned": "default", "uniqueness": "none",
            })
    return group


def schema_documents() -> list[dict]:
    user = _library_schema(SchemaURI.USER)
    user["attributes"] = [a for a in user["attributes"] if a["name"] not in UNSUPPORTED_USER_ATTRIBUTES]
    for attribute in user["attributes"]:
        if attribute["name"] == "password":
            # Okta sends one on create; it is accepted and dropped, never returned.
            attribute["returned"] = "never"
        if attribute["name"] == "groups":
            attribute["mutability"] = "readOnly"
    enterprise = _library_schema(SchemaURI.ENTERPRISE_USER)
    group = _group_schema()
    return [
        _with_meta(doc, "Schema", f"Schemas/{doc['id']}") for doc in (user, enterprise, group)
    ]


def resource_type_documents() -> list[dict]:
    user = {
        "schemas": [SchemaURI.RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": SchemaURI.USER,
        "schemaExtensions": [{"schema": SchemaURI.ENTERPRISE_USER, "required": False}],
    }
    group = {
        "schemas": [SchemaURI.RESOURCE_TYPE],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Group",
        "schema": SchemaURI.GROUP,
        "schemaExtensions": [],
    }
    return [_with_meta(user, "ResourceType", "ResourceTypes/User"),
            _with_meta(group, "ResourceType", "ResourceTypes/Group")]


def service_provider_config() -> dict:
    document = {
        "schemas": [SchemaURI.SERVICE_PROVIDER_CONFIG],
        "documentationUri": settings.PUBLIC_BASE_URL + "/",
        "patch": {"supported": True},
        "bulk": {"supported": True, "maxOperations": MAX_BULK_OPERATIONS, "maxPayloadSize": MAX_BULK_PAYLOAD_BYTES},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "An OAuth 2.0 access token or a SCIM token from the console, as a Bearer token.",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": True,
            }
        ],
    }
    return _with_meta(document, "ServiceProviderConfig", "ServiceProviderConfig")
