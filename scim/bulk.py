"""POST /Bulk (RFC 7644 §3.7): many operations in one request, each run by the same view code as
its own request would be (scope checks, services, errors), with bulkId references resolved.

- Operations run in order, each in its own transaction; a bulk request is not atomic (§3.7).
- "bulkId:x" anywhere in an operation's path or data becomes the id that operation x created; a
  reference to an operation that hasn't run or failed makes that operation fail with 409.
- failOnErrors: after that many errors the rest are skipped (§3.7.3).
- More than MAX_OPERATIONS operations or a body over MAX_PAYLOAD_BYTES is 413 (§3.7.4); both are
  advertised in ServiceProviderConfig.
"""

from __future__ import annotations

import json
import logging
import re

from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve
from django_scim.constants import SchemaURI

from . import schemas
from .auth import require_scope
from .errors import ScimError, error_response, invalid_syntax, invalid_value, scim_json_response
from .views import ScimView

log = logging.getLogger(__name__)
MAX_OPERATIONS = schemas.MAX_BULK_OPERATIONS
MAX_PAYLOAD_BYTES = schemas.MAX_BULK_PAYLOAD_BYTES
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
_BULK_REFERENCE = re.compile(r"bulkId:([\w.\-~]+)")
# The resource endpoints a bulk operation may address (url names in scim.urls).
_RESOURCE_VIEWS = {"scim:users", "scim:user", "scim:groups", "scim:group"}


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


class BulkView(ScimView):
    operations = {"POST": "bulk"}

    def post(self, request):
        declared = request.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_PAYLOAD_BYTES:
            raise _too_large(f"The request is larger than maxPayloadSize ({MAX_PAYLOAD_BYTES} bytes).")
        if len(request.body) > MAX_PAYLOAD_BYTES:
            raise _too_large(f"The request is larger than maxPayloadSize ({MAX_PAYLOAD_BYTES} bytes).")
        body = {key.lower(): value for key, value in self.json_body().items()}
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
            result = self.run_operation({key.lower(): value for key, value in operation.items()}, created)
            results.append(result)
            if int(result["status"]) >= 400:
                errors += 1
                if fail_on_errors is not None and errors >= fail_on_errors:
                    break
        return scim_json_response({"schemas": [BULK_RESPONSE], "Operations": results})

    def run_operation(self, operation: dict, created: dict[str, str]) -> dict:
        method = str(operation.get("method", "")).upper()
        bulk_id = operation.get("bulkid")
        result = {"method": method}
        if bulk_id is not None:
            result["bulkId"] = bulk_id
        try:
            response = self.operation_response(operation, method, bulk_id, created)
        except ScimError as error:
            response = error_response(error)
        except Exception:  # one operation's failure is its own 500, not the whole request's
            log.exception("SCIM bulk operation failed")
            response = error_response(ScimError(500, "The server could not complete this operation."))
        result["status"] = str(response.status_code)
        if response.has_header("Location"):
            result["location"] = response["Location"]
            if method == "POST" and bulk_id is not None and response.status_code == 201:
                created[str(bulk_id)] = response["Location"].rstrip("/").rpartition("/")[2]
        if response.has_header("ETag"):
            result["version"] = response["ETag"]
        if response.status_code >= 400:
            result["response"] = json.loads(response.content)
        return result

    def operation_response(self, operation: dict, method: str, bulk_id, created: dict[str, str]):
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
        try:
            match = resolve("/scim/v2" + path)
        except Resolver404:
            match = None
        if match is None or f"{match.namespace}:{match.url_name}" not in _RESOURCE_VIEWS:
            raise ScimError(404, f"There is no resource endpoint at {path}.")
        view_class = match.func.view_class
        if method not in view_class.operations:
            raise ScimError(405, f"{method} is not supported on {path}.")
        require_scope(self.principal, view_class.operations[method])
        inner = HttpRequest()
        inner.method, inner.path = method, "/scim/v2" + path
        inner.GET = QueryDict(query)
        inner._body = json.dumps(data).encode() if data is not None else b""
        if operation.get("version"):
            inner.META["HTTP_IF_MATCH"] = str(operation["version"])
        view = view_class()
        view.setup(inner, **match.kwargs)
        view.principal = self.principal
        view.touched_user_id = view.touched_group_id = ""
        view.request_json = None
        return getattr(view, method.lower())(inner, **match.kwargs)
