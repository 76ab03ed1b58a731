"""SCIM 2.0 HTTP endpoints: thin Django views over scim.adapters, scim.services and scim.selectors.

Why not django-scim2's views: its SCIMView resolves the org through a getter applied after its
own filter SQL (an OR escapes it), answers 501 to Entra's PATCH shapes, can't sort, has no ETag and
counts by iterating. Subclassing would mean overriding every method, so these views reuse its
exceptions, constants and schema documents (scim.errors, scim.schemas) and own the request cycle.

Every authenticated request runs inside org_scope(principal.org) and leaves one ProvisioningEvent
(one INSERT). Discovery documents need no credential (RFC 7644 §4); they and requests refused with
401 have no org, so they are not in any org's provisioning log (the request log still has them).
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import nullcontext

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django_scim.constants import SchemaURI

from tenants.scoping import org_scope

from . import schemas, selectors, services
from .adapters import project, user_location, user_to_scim, user_values_from_scim
from .auth import authenticate, require_scope
from .errors import ScimError, error_response, invalid_syntax, invalid_value, not_found, scim_json_response
from .filters import user_filter_q, user_ordering
from .models import ProvisioningEvent
from .patch import apply_patch

log = logging.getLogger(__name__)

SECRET_KEYS = {"password", "client_secret", "token", "access_token", "refresh_token"}


def without_secrets(value):
    if isinstance(value, dict):
        return {k: ("[removed]" if k.lower() in SECRET_KEYS else without_secrets(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value


def _refuse_non_json_constant(name: str):
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity).")


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Base of every SCIM endpoint: authentication, scope, org scope, SCIM errors, the log."""

    # HTTP method -> operation (scim.auth.SCOPE_BY_OPERATION); None: no credential needed.
    operations: dict[str, str | None] = {}

    def dispatch(self, request, *args, **kwargs):
        started = time.monotonic()
        self.principal = None
        self.touched_user_id = ""
        self.touched_group_id = ""
        self.request_json = None
        method = request.method.upper()
        try:
            if method not in self.operations:
                raise ScimError(405, f"{method} is not supported here.")
            if "\x00" in request.path or any("\x00" in key + value for key, value in request.GET.items()):
                raise invalid_value("The URL contains a NUL character.")
            operation = self.operations[method]
            if operation is None:
                response = super().dispatch(request, *args, **kwargs)
            else:
                self.principal = authenticate(request)
                # Known org from here on: a 403 for a missing scope is in the org's log too.
                require_scope(self.principal, operation)
                with org_scope(self.principal.org):
                    response = super().dispatch(request, *args, **kwargs)
        except ScimError as error:
            response = error_response(error)
        except RequestDataTooBig:
            response = error_response(ScimError(413, "The request body is too large."))
        except Exception:
            log.exception("SCIM request failed")
            response = error_response(ScimError(500, "The server could not complete this request."))
        if self.principal is not None:
            self._record(request, response, started)
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise ScimError(405, f"{request.method} is not supported here.")

    def _record(self, request, response, started):
        scim_type = ""
        if response.status_code >= 400 and response.content:
            try:
                scim_type = json.loads(response.content).get("scimType", "")
            except ValueError:
                pass
        try:
            # A savepoint only inside an outer transaction (tests): a failed INSERT must not poison it.
            # Requests themselves aren't atomic, so in production this stays one INSERT.
            savepoint = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
            with org_scope(self.principal.org), savepoint:
                ProvisioningEvent.objects.create(
                    org=self.principal.org, method=request.method.upper(), path=request.get_full_path()[:500],
                    credential_name=self.principal.credential_name, status=response.status_code, scim_type=scim_type,
                    duration_ms=int((time.monotonic() - started) * 1000), user_public_id=self.touched_user_id,
                    group_public_id=self.touched_group_id,
                    request_body=without_secrets(self.request_json),
                )
        except Exception:  # The log must never turn a done write into an error.
            log.exception("could not record provisioning event")

    def json_body(self):
        try:
            self.request_json = json.loads(self.request.body or b"null", parse_constant=_refuse_non_json_constant)
        except (ValueError, UnicodeDecodeError):
            raise invalid_syntax("The request body is not valid JSON.") from None
        if not isinstance(self.request_json, dict):
            raise invalid_syntax("The request body must be a JSON object.")
        if "\\u0000" in json.dumps(self.request_json):
            # PostgreSQL stores no NUL in text or jsonb; refuse it before it reaches either.
            self.request_json = None
            raise invalid_value("Text in the request may not contain NUL characters.")
        return self.request_json


class ServiceProviderConfigView(ScimView):
    operations = {"GET": None}

    def get(self, request):
        return scim_json_response(schemas.service_provider_config())


class DiscoveryCollectionView(ScimView):
    """A ListResponse of discovery documents, or one of them by id (case-insensitive)."""

    operations = {"GET": None}
    documents = staticmethod(lambda: [])

    def get(self, request, document_id=None):
        documents = self.documents()
        if document_id is None:
            return scim_json_response(schemas.list_response(documents))
        document = next((doc for doc in documents if doc["id"].lower() == document_id.lower()), None)
        if document is None:
            raise not_found(document_id)
        return scim_json_response(document)


class SchemasView(DiscoveryCollectionView):
    documents = staticmethod(schemas.schema_documents)


class ResourceTypesView(DiscoveryCollectionView):
    documents = staticmethod(schemas.resource_type_documents)


def _attribute_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value if str(item).strip()]
    return [part for part in str(value).split(",") if part.strip()]


def _integer(value, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_value(f"{name} must be an integer.") from None


def _etag_matches(header: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def check_if_match(request, resource, noun: str) -> None:
    """A write with a stale If-Match is 412 (RFC 7644 §3.14); `resource` has an etag."""
    if_match = request.headers.get("If-Match")
    if if_match and request.method != "GET" and not _etag_matches(if_match, resource.etag):
        raise ScimError(412, f"The {noun} changed since you read it (If-Match does not match meta.version).")


def empty_response(resource, status: int) -> HttpResponse:
    """A body-less answer carrying the resource's ETag: 304 Not Modified, or 204 after a PATCH."""
    response = HttpResponse(status=status)
    response["ETag"] = resource.etag
    return response


def not_modified(request, resource) -> HttpResponse | None:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and _etag_matches(if_none_match, resource.etag):
        return empty_response(resource, 304)
    return None


class UnknownEndpointView(ScimView):
    """Any other path under /scim/v2/: a SCIM 404 rather than Django's HTML one (RFC 7644 §3.12)."""

    operations = {method: None for method in ("GET", "POST", "PUT", "PATCH", "DELETE")}

    def dispatch(self, request, *args, **kwargs):
        return error_response(ScimError(404, f"There is no SCIM endpoint at {request.path}."))


class RootSearchView(ScimView):
    """POST /.search across resource types (RFC 7644 §3.4.3) isn't offered: 501, as the RFC allows."""

    operations = {"POST": None}

    def post(self, request):
        raise ScimError(501, "Search at the service root is not supported; use POST /Users/.search.")


class UserResourceMixin:
    def user_response(self, user, status=200, extra_headers=None):
        params = self.request.GET
        resource = project(user_to_scim(user), _attribute_list(params.get("attributes")),
                           _attribute_list(params.get("excludedAttributes")))
        return scim_json_response(resource, status=status, headers={"ETag": user.etag, **(extra_headers or {})})


class UsersView(UserResourceMixin, ScimView):
    operations = {"GET": "list", "POST": "create"}

    def get(self, request):
        return self.search(request.GET)

    def post(self, request):
        values = user_values_from_scim(self.json_body())
        user = services.provision_user(org=self.principal.org, values=values)
        self.touched_user_id = user.public_id
        user = selectors.user_by_public_id(user.public_id)
        return self.user_response(user, status=201, extra_headers={"Location": user_location(user)})

    def search(self, params):
        filter_text = params.get("filter")
        condition = user_filter_q(filter_text) if filter_text not in (None, "") else None
        start_index = max(_integer(params.get("startIndex"), "startIndex", 1), 1)
        count = min(max(_integer(params.get("count"), "count", schemas.DEFAULT_COUNT), 0), schemas.MAX_RESULTS)
        ordering = user_ordering(params.get("sortBy"), params.get("sortOrder"))
        total, users = selectors.users_page(condition=condition, ordering=ordering, start_index=start_index, count=count)
        attributes = _attribute_list(params.get("attributes"))
        excluded = _attribute_list(params.get("excludedAttributes"))
        resources = [project(user_to_scim(user), attributes, excluded) for user in users]
        return scim_json_response(schemas.list_response(resources, total=total, start_index=start_index))


class SearchRequestMixin:
    """POST /<Resource>/.search (RFC 7644 §3.4.3): the query parameters as a SearchRequest body."""

    operations = {"POST": "list"}

    def post(self, request):
        body = {key: value for key, value in self.json_body().items()}
        schemas_given = body.get("schemas") or [SchemaURI.SERACH_REQUEST]
        if SchemaURI.SERACH_REQUEST not in schemas_given:
            raise invalid_value(f"A search request lists the schema {SchemaURI.SERACH_REQUEST}.")
        return self.search(body)


class UserSearchView(SearchRequestMixin, UsersView):
    pass


class UserDetailView(UserResourceMixin, ScimView):
    operations = {"GET": "read", "PUT": "update", "PATCH": "update", "DELETE": "delete"}

    def load(self, user_id):
        user = selectors.user_by_public_id(user_id)
        self.touched_user_id = user.public_id
        check_if_match(self.request, user, "user")
        return user

    def get(self, request, user_id):
        user = self.load(user_id)
        return not_modified(request, user) or self.user_response(user)

    def put(self, request, user_id):
        body = self.json_body()
        user = self.load(user_id)
        user = services.replace_user(org=self.principal.org, user=user, values=user_values_from_scim(body))
        return self.user_response(selectors.user_by_public_id(user.public_id))

    def patch(self, request, user_id):
        body = self.json_body()
        user = self.load(user_id)
        patched = apply_patch(user_to_scim(user), body)
        values = user_values_from_scim(patched, active_when_absent=None)
        user = services.replace_user(org=self.principal.org, user=user, values=values)
        if "attributes" in request.GET and not _attribute_list(request.GET.get("attributes")):
            return empty_response(user, 204)
        return self.user_response(selectors.user_by_public_id(user.public_id))

    def delete(self, request, user_id):
        user = self.load(user_id)
        services.delete_user(org=self.principal.org, user=user)
        return HttpResponse(status=204)
