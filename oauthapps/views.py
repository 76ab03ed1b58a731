"""The OAuth endpoints IdPs use: authorize (with consent), token, revoke, server metadata.

django-oauth-toolkit's default urlpatterns are not mounted: they expose application management
and an introspection endpoint that answers any authenticated client about any token.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot_views
from oauth2_provider.models import AccessToken
from oauth2_provider.signals import app_authorized

from accounts.client_address import client_address
from tenants import rate_limits
from tenants.audit import Actor
from tenants.rate_limits import Limit, RateLimited
from tenants.scoping import org_scope

from . import scopes as scope_names
from .selectors import application_for_client_id
from .services import application_record_consent
from .validators import approver_may_still_act, basic_client_credentials, checksum

TOKEN_GRANT_TYPES = {"authorization_code", "refresh_token", "client_credentials"}
TOKEN_LIMIT_PER_CLIENT = Limit("oauth-token-client", settings.TOKEN_RATE_PER_CLIENT, 60)
TOKEN_LIMIT_PER_ADDRESS = Limit("oauth-token-address", settings.TOKEN_RATE_PER_ADDRESS, 60)


def _no_store(response: HttpResponse) -> HttpResponse:
    # RFC 6749 §5.1: responses carrying tokens (and their errors) must not be cached.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@method_decorator(never_cache, name="dispatch")
class ConsentView(dot_views.AuthorizationView):
    """Sign-in if needed, then "Approve access" / "Deny" for an owner or admin of the app's org."""

    template_name = "oauthapps/consent.html"

    def dispatch(self, request, *args, **kwargs):
        if "approval_prompt" in request.GET:
            # DOT lets the client ask for approval_prompt=auto, which skips this page (and its audit
            # row) when a live token exists: every code here is approved by a person, every time.
            request.GET = request.GET.copy()
            del request.GET["approval_prompt"]
        client_id = request.POST.get("client_id") if request.method == "POST" else request.GET.get("client_id")
        application = application_for_client_id(client_id)
        if application is None:
            # DOT answers an unknown or disabled client with an error page, never a redirect.
            return super().dispatch(request, *args, **kwargs)
        if request.user.is_authenticated and not approver_may_still_act(request.user, application):
            return TemplateResponse(
                request, "oauthapps/consent_refused.html", {"application": application}, status=403
            )
        self.consented_application = application
        with org_scope(application.org):
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, TemplateResponse):
                response.context_data.setdefault("application", application)
                response.context_data["scope_items"] = [
                    (scope, scope_names.DESCRIPTIONS.get(scope, scope))
                    for scope in response.context_data.get("scopes", [])
                ]
                allow_redirect_to_callback(response)
                response.render()
            return response

    def create_authorization_response(self, request, scopes, credentials, allow):
        """An approval on the consent page (a POST) issues the code and is audited, together."""
        with transaction.atomic():
            response = super().create_authorization_response(request, scopes, credentials, allow)
            if allow and request.method == "POST":
                application_record_consent(
                    org=self.consented_application.org, actor=Actor.member(request.user, client_address(request)),
                    application=self.consented_application, scopes=scopes.split(),
                )
        return response


def allow_redirect_to_callback(response: TemplateResponse) -> None:
    """Let the consent form's answer redirect to the IdP's callback in a real browser.

    Approve and Deny POST to this origin, which answers with a redirect to the application's
    registered redirect URI (Okta's, another origin). Browsers apply the page's CSP form-action to
    that redirect too, so 'self' alone blocks it. The page allows exactly that URI's origin; DOT
    has already matched the URI against the application's registered ones before rendering a form.
    """
    form = response.context_data.get("form")
    redirect_uri = form.initial.get("redirect_uri") if form is not None else None
    if not redirect_uri:
        return  # an error page: it has no consent form
    parts = urlsplit(redirect_uri)
    response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}


def _presented_client_id(request) -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        return (basic_client_credentials(credentials) or ("", ""))[0][:100]
    return str(request.POST.get("client_id", ""))[:100]


def enforce_token_rate_limits(request) -> None:
    """Per client id (right secret or not, so guessing a secret is throttled) and per address."""
    client_id = _presented_client_id(request)
    per_address = (TOKEN_LIMIT_PER_ADDRESS, client_address(request) or "unknown")
    rate_limits.enforce(*([(TOKEN_LIMIT_PER_CLIENT, client_id)] if client_id else []), per_address)


# Every field of these requests is a credential (secret, code, verifier, token): keep them all out
# of Django's error reports.
@method_decorator(sensitive_post_parameters(), name="dispatch")
@method_decorator(csrf_exempt, name="dispatch")
class TokenView(dot_views.TokenView):
    def post(self, request, *args, **kwargs):
        try:
            enforce_token_rate_limits(request)
        except RateLimited as limited:
            body = {"error": "too_many_requests", "error_description": limited.detail}
            response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
            response["Retry-After"] = str(limited.retry_after)
            return _no_store(response)
        if request.POST.get("grant_type") not in TOKEN_GRANT_TYPES:
            body = {"error": "unsupported_grant_type"}
            return _no_store(HttpResponse(json.dumps(body), status=400, content_type="application/json"))
        return _no_store(super().post(request, *args, **kwargs))

    def authorization_flow_token_response(self, request, *args, **kwargs):
        """DOT's, except that the new access token is looked up for app_authorized only if it is still
        there: a concurrent replay of the same refresh token may already have revoked (deleted) the pair
        this request minted, and DOT's get() then answered 500 instead of the tokens, dead as they are."""
        _url, headers, body, status = self.create_token_response(request)
        if status == 200 and (access_token := json.loads(body).get("access_token")) is not None:
            token = AccessToken.objects.filter(token_checksum=checksum(access_token)).first()
            if token is not None:
                app_authorized.send(sender=self, request=request, token=token)
        response = HttpResponse(content=body, status=status)
        for key, value in headers.items():
            response[key] = value
        return response


@method_decorator(sensitive_post_parameters(), name="dispatch")
@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(dot_views.RevokeTokenView):
    def post(self, request, *args, **kwargs):
        return _no_store(super().post(request, *args, **kwargs))


class ServerMetadataView(dot_views.OAuthServerMetadataView):
    """RFC 8414, advertising only what this server does."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data["response_types_supported"] = ["code"]
        data["grant_types_supported"] = sorted(TOKEN_GRANT_TYPES)
        data["scopes_supported"] = list(scope_names.ALL)
        response.content = json.dumps(data)
        return response
