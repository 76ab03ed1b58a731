"""The HTTP side of SCIM 2.0: one Django view class that turns a request into a ScimRequest for its
endpoint (scim.protocol.endpoints) and the ScimResult back into a response.

Why not django-scim2's views: its SCIMView resolves the org through a getter applied after its
own filter SQL (an OR escapes it), answers 501 to Entra's PATCH shapes, can't sort, has no ETag and
counts by iterating. Subclassing would mean overriding every method, so this service reuses its
exceptions, constants and schema documents and owns the request cycle.

Every authenticated request runs inside org_scope(principal.org) and leaves one ProvisioningEvent
(one INSERT). Discovery documents need no credential (RFC 7644 §4) and have no org, nor do requests
refused with 401, except one carrying an org's revoked or expired SCIM token: that org's log shows it.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import nullcontext

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from config.errors import database_unavailable, retry_after_headers
from tenants.rate_limits import RateLimited, enforce_scim_limits
from tenants.scoping import org_scope

from oauthapps.credentials import refused_scim_token
from scim import idps
from scim.services.provisioning import provisioning_event_record

from .auth import authenticate, require_scope
from .endpoints.base import Endpoint, ScimRequest, ScimResult, error_result, respond
from .errors import ScimError, invalid_value

log = logging.getLogger(__name__)

SCIM_CONTENT_TYPE = "application/scim+json"


def json_bytes(body: dict) -> bytes:
    """`body` as UTF-8 JSON. orjson writes a page of 100 users in ~0.03 ms where json.dumps took ~0.4 ms
    (issue 14); what orjson refuses (an integer beyond 64 bits) json.dumps still writes."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return json.dumps(body).encode()


def http_response(result: ScimResult) -> HttpResponse:
    if result.stream is not None:
        response = StreamingHttpResponse(result.stream, status=result.status, content_type=SCIM_CONTENT_TYPE)
    elif result.body is not None:
        response = HttpResponse(json_bytes(result.body), status=result.status,
                                content_type=SCIM_CONTENT_TYPE)
    else:
        response = HttpResponse(status=result.status)
        del response["Content-Type"]
    for key, value in result.headers.items():
        response[key] = value
    # Resources carry personal data and ETags; no cache between the IdP and us may keep them.
    response["Cache-Control"] = "no-store"
    return response


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Every SCIM endpoint's view: method and scope check, credential, org scope, SCIM errors, the log.

    The endpoint is given to as_view(endpoint=...) in scim.protocol.urls; Bulk finds it there too.
    """

    endpoint: Endpoint | None = None

    def dispatch(self, request, *args, **kwargs):
        started = time.monotonic()
        principal = scim_request = None
        recorded = []  # the log's row, once written inside a successful write's transaction
        try:
            method = request.method.upper()
            if method not in self.endpoint.operations:
                raise ScimError(405, f"{method} is not supported here.")
            if "\x00" in request.path or any("\x00" in key + value for key, value in request.GET.items()):
                raise invalid_value("The URL contains a NUL character.")
            operation = self.endpoint.operations[method]
            if operation is not None:
                principal = authenticate(request)
                # Known org from here on: a 403 for a missing scope or a 429 is in the org's log too.
                try:
                    enforce_scim_limits(org=principal.org, credential=principal.credential_label)
                except RateLimited as limited:
                    raise ScimError(429, limited.detail, headers={"Retry-After": str(limited.retry_after)}) from None
                require_scope(principal, operation)
            scim_request = ScimRequest(
                principal=principal, method=method, kwargs=kwargs, params=request.GET,
                if_match=request.headers.get("If-Match"), if_none_match=request.headers.get("If-None-Match"),
                address=request.META.get("REMOTE_ADDR"), read_body=lambda: request.body,
                declared_length=request.headers.get("Content-Length"),
            )

            def record_with_the_write(result: ScimResult) -> None:
                self._record(request, principal.org, principal.credential_name, scim_request, result, started)
                recorded.append(result)

            with org_scope(principal.org) if principal is not None else nullcontext():
                result = respond(self.endpoint, scim_request, before_commit=record_with_the_write)
        except ScimError as error:
            result = error_result(error)
        except RequestDataTooBig:
            result = error_result(ScimError(413, "The request body is too large."))
        except Exception as error:
            recorded.clear()  # if the write's commit failed, its log row went with it
            if database_unavailable(error):
                log.warning("SCIM request refused: the database is unavailable (%s: %s)", type(error).__name__,
                            str(error).strip().splitlines()[0] if str(error).strip() else "")
                result = error_result(ScimError(503, "The service is temporarily unavailable; retry after the "
                                                     "Retry-After seconds.", headers=retry_after_headers()))
            else:
                log.exception("SCIM request failed")
                result = error_result(ScimError(500, "The server could not complete this request."))
        if principal is not None and not recorded:
            self._record(request, principal.org, principal.credential_name, scim_request, result, started)
        elif result.status == 401:
            refused = refused_scim_token(request)
            if refused is not None:
                self._record(request, refused.org, f"{refused.name} (revoked or expired)", None, result, started)
        return http_response(result)

    def _record(self, request, org, credential_name: str, scim_request: ScimRequest | None, result: ScimResult,
                started) -> None:
        # A 404 names an id that is not this org's: it is in the path, not on any user's history.
        touched = scim_request if scim_request is not None and result.status != 404 else None
        # A successful write's row commits with the write; any other is one INSERT of its own, a read's
        # committing without waiting for the WAL flush (provisioning_event_record).
        read = request.method in ("GET", "HEAD")
        try:
            # Inside a successful write's transaction, the service's savepoint keeps a failed INSERT from
            # poisoning it.
            body = scim_request.logged_body if scim_request else None
            provisioning_event_record(
                org=org, method=request.method.upper(), path=request.get_full_path(),
                credential_name=credential_name, status=result.status, scim_type=result.scim_type,
                detail=result.error_detail, idp=idps.recognise(request.headers.get("User-Agent", ""), body),
                duration_ms=int((time.monotonic() - started) * 1000),
                user_public_id=touched.user_id if touched else "", group_public_id=touched.group_id if touched else "",
                request_body=body,  # the service redacts
                wait_for_flush=not read,
            )
        except Exception:  # The log must never turn a done write into an error.
            log.exception("could not record provisioning event")


class UnknownEndpointView(View):
    """Any other path under the SCIM root: a SCIM 404 rather than Django's HTML one (RFC 7644 §3.12)."""

    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        return http_response(error_result(ScimError(404, f"There is no SCIM endpoint at {request.path}.")))
