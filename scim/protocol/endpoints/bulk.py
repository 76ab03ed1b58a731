"""POST /Bulk (RFC 7644 §3.7): many operations in one request, each dispatched to the same endpoint
handler as its own request would be (scope check, services, errors), with bulkId references resolved.

- An operation's path is resolved against the protocol's own urlconf (scim.protocol.urls), so it
  names the same endpoints at whatever prefix the SCIM root is mounted.
- Operations run in order, each in its own transaction; a bulk request is not atomic (§3.7).
- "bulkId:x" anywhere in an operation's path or data becomes the id that operation x created; a
  reference to an operation that hasn't run or failed makes that operation fail with 409.
- failOnErrors: after that many errors the rest are skipped (§3.7.3).
- More than MAX_OPERATIONS operations or a body over MAX_PAYLOAD_BYTES is 413 (§3.7.4); both are
  advertised in ServiceProviderConfig.
"""

from __future__ import annotations

import logging
import re

from django.http import QueryDict
from django.urls import Resolver404, resolve

from ..auth import require_scope
from ..discovery import MAX_BULK_OPERATIONS, MAX_BULK_PAYLOAD_BYTES
from ..errors import ScimError, invalid_syntax, invalid_value
from .base import Endpoint, ScimRequest, ScimResult, error_result, respond

log = logging.getLogger(__name__)
MAX_OPERATIONS = MAX_BULK_OPERATIONS
MAX_PAYLOAD_BYTES = MAX_BULK_PAYLOAD_BYTES
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
PROTOCOL_URLCONF = "scim.protocol.urls"
# The endpoints a bulk operation may address (url names in scim.protocol.urls).
RESOURCE_ENDPOINTS = {"users", "user", "groups", "group"}
_BULK_REFERENCE = re.compile(r"bulkId:([\w.\-~]+)")


class UnresolvedBulkId(Exception):
    pass


def _with_references(value, created: dict[str, str]):
    if isinstance(value, str):
        def replace(match):
            if match.group(1) not in created:
                raise UnresolvedBulkId(match.group(1))
            return created[match.group(1)]
        return _BULK_REFERENCE.sub(replace, value)
    if isinstance(value, list):
        return [_with_references(item, created) for item in value]
    if isinstance(value, dict):
        return {key: _with_references(item, created) for key, item in value.items()}
    return value


def _too_large(detail: str) -> ScimError:
    return ScimError(413, detail)


def _resource_endpoint(path: str) -> tuple[Endpoint, dict]:
    """The endpoint a bulk operation's path names, and its path kwargs (a user or group id)."""
    try:
        match = resolve(path, urlconf=PROTOCOL_URLCONF)
    except Resolver404:
        match = None
    if match is None or match.url_name not in RESOURCE_ENDPOINTS:
        raise ScimError(404, f"There is no resource endpoint at {path}.")
    return match.func.view_initkwargs["endpoint"], match.kwargs


class Bulk(Endpoint):
    operations = {"POST": "bulk"}
    writes_in_one_transaction = False  # each operation is its own transaction (RFC 7644 §3.7)

    def post(self, request: ScimRequest) -> ScimResult:
        declared = request.declared_length
        if declared and declared.isdigit() and int(declared) > MAX_PAYLOAD_BYTES:
            raise _too_large(f"The request is larger than maxPayloadSize ({MAX_PAYLOAD_BYTES} bytes).")
        if len(request.read_body()) > MAX_PAYLOAD_BYTES:
            raise _too_large(f"The request is larger than maxPayloadSize ({MAX_PAYLOAD_BYTES} bytes).")
        body = {key.lower(): value for key, value in request.json().items()}
        if BULK_REQUEST not in (body.get("schemas") or []):
            raise invalid_value(f"A bulk request lists the schema {BULK_REQUEST}.")
        operations = body.get("operations")
        if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
            raise invalid_syntax("A bulk request needs an Operations list of objects.")
        if len(operations) > MAX_OPERATIONS:
            raise _too_large(f"A bulk request has at most {MAX_OPERATIONS} operations (maxOperations).")
        fail_on_errors = body.get("failonerrors")
        if fail_on_errors is not None and (not isinstance(fail_on_errors, int) or fail_on_errors < 1):
            raise invalid_value("failOnErrors must be a positive integer.")
        created: dict[str, str] = {}
        results, errors = [], 0
        for operation in operations:
            result = self.run_operation(request, {key.lower(): value for key, value in operation.items()}, created)
            results.append(result)
            if int(result["status"]) >= 400:
                errors += 1
                if fail_on_errors is not None and errors >= fail_on_errors:
                    break
        return ScimResult(200, {"schemas": [BULK_RESPONSE], "Operations": results})

    def run_operation(self, request: ScimRequest, operation: dict, created: dict[str, str]) -> dict:
        method = str(operation.get("method", "")).upper()
        bulk_id = operation.get("bulkid")
        result = {"method": method}
        if bulk_id is not None:
            result["bulkId"] = bulk_id
        try:
            answer = self.operation_result(request, operation, method, bulk_id, created)
        except ScimError as error:
            answer = error_result(error)
        except Exception:  # one operation's failure is its own 500, not the whole request's
            log.exception("SCIM bulk operation failed")
            answer = error_result(ScimError(500, "The server could not complete this operation."))
        result["status"] = str(answer.status)
        location = answer.headers.get("Location")
        if location:
            result["location"] = location
            if method == "POST" and bulk_id is not None and answer.status == 201:
                created[str(bulk_id)] = location.rstrip("/").rpartition("/")[2]
        if "ETag" in answer.headers:
            result["version"] = answer.headers["ETag"]
        if answer.status >= 400:
            result["response"] = answer.body
        return result

    def operation_result(self, request: ScimRequest, operation: dict, method: str, bulk_id,
                         created: dict[str, str]) -> ScimResult:
        if method not in ("POST", "PUT", "PATCH", "DELETE"):
            raise invalid_value(f"A bulk operation's method is POST, PUT, PATCH or DELETE, not {method or 'none'}.")
        if method == "POST" and not isinstance(bulk_id, str):
            raise invalid_value("A POST in a bulk request needs a bulkId.")
        path = operation.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise invalid_value("A bulk operation needs a path such as /Users or /Groups/{id}.")
        try:
            path = _with_references(path, created)
            data = _with_references(operation.get("data"), created)
        except UnresolvedBulkId as missing:
            raise ScimError(409, f"bulkId:{missing} does not name an operation of this request that succeeded "
                                 "before this one.", "invalidValue") from None
        path, _, query = path.partition("?")
        endpoint, kwargs = _resource_endpoint(path)
        if method not in endpoint.operations:
            raise ScimError(405, f"{method} is not supported on {path}.")
        require_scope(request.principal, endpoint.operations[method])
        version = operation.get("version")
        return respond(endpoint, ScimRequest(
            principal=request.principal, method=method, kwargs=kwargs, params=QueryDict(query),
            if_match=str(version) if version else None, address=request.address, data=data,
        ))
