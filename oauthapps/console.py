"""The org console's OAuth applications (a create wizard and a detail page), SCIM tokens and API keys.

Secrets are rendered once, in the response to the POST that created them (never cached, never kept
in the session); a reload or the back button finds nothing to show. The rotate and new-SCIM-token
forms carry the generation they replace (services.secret_generation, services.scim_token_generation),
so of any number of submits of one form (a reload, a double click, ten at once) only the first makes a
secret: the services compare it under the row or org lock.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache

from tenants.console import render_page
from tenants.console_site import console_site, post_only
from tenants.errors import NotFound, PreconditionFailed

from . import selectors, services
from .forms import GRANT_TYPE_CARDS, ApiKeyForm, DetailsForm, GrantTypeForm, RotateSecretForm, ScimTokenForm, ScopesForm
from .models import Application, validate_redirect_url

WIZARD_KEY = "oauthapps_wizard"
SHOWN_KEY = "oauthapps_secret_shown_for"


def endpoint_urls() -> dict[str, str]:
    base = settings.PUBLIC_BASE_URL
    return {
        "authorize_url": base + reverse("oauth2_provider:authorize"),
        "token_url": base + reverse("oauth2_provider:token"),
        "scim_base_url": base + "/scim/v2",
    }


def api_base_url() -> str:
    return settings.PUBLIC_BASE_URL + "/api/v1/"


def missing_is_404(view):
    """Another org's row answers like a missing one (tenants.errors.NotFound), whether the selector
    found nothing or the row went away before the service ran: the console's 404."""

    @functools.wraps(view)
    def answering_404(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as missing:
            raise Http404(str(missing)) from None

    return answering_404


def _application(request, client_id) -> Application:
    return selectors.application_by_client_id(org=request.org, client_id=client_id)


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def oauth_apps(request):
    return render_page(
        request, "oauthapps/console/apps.html", "OAuth apps",
        applications=selectors.org_applications(org=request.org), **endpoint_urls(),
    )


# --- Create wizard: grant type -> details -> scopes -> copy secret ------------------------------


def wizard_grant_type(request):
    form = GrantTypeForm(request.POST or None, initial=request.session.get(WIZARD_KEY, {}))
    if request.method == "POST" and form.is_valid():
        request.session[WIZARD_KEY] = {"grant_type": form.cleaned_data["grant_type"]}
        return redirect("console:oauth_app_new_details")
    return _wizard_page(request, "New OAuth app: grant type", form, step=1, back_url=None, submit_label="Next",
                        grant_type_cards=[(value, *GRANT_TYPE_CARDS[value]) for value, _ in form.fields["grant_type"].choices])


def _wizard_page(request, title, form, *, step, back_url, submit_label, **context):
    return render_page(request, "oauthapps/console/wizard_step.html", title, form=form, step=step,
                       back_url=back_url, submit_label=submit_label, **context)


def _wizard(request):
    state = request.session.get(WIZARD_KEY)
    return state if state and state.get("grant_type") else None


def wizard_details(request):
    state = _wizard(request)
    if state is None:
        return redirect("console:oauth_app_new")
    form = DetailsForm(request.POST or None, grant_type=state["grant_type"],
                       initial=state.get("details") or {"company_name": request.org.name})
    if request.method == "POST" and form.is_valid():
        redirect_url = form.cleaned_data.get("redirect_url", "").strip()
        try:
            if redirect_url:
                validate_redirect_url(redirect_url)
        except ValidationError as error:
            form.add_error("redirect_url", error)
        else:
            request.session[WIZARD_KEY] = {**state, "details": form.cleaned_data}
            return redirect("console:oauth_app_new_scopes")
    return _wizard_page(request, "New OAuth app: details", form, step=2,
                        back_url=reverse("console:oauth_app_new"), submit_label="Next")


@never_cache
def wizard_scopes(request):
    state = _wizard(request)
    if state is None or "details" not in state:
        shown = request.session.get(SHOWN_KEY)
        if request.method == "POST" and shown:
            # A reload of the Copy-secret page re-posts this step: the secret is gone for good.
            return render_page(request, "oauthapps/console/secret_gone.html", "Secret already shown",
                               client_id=shown)
        return redirect("console:oauth_app_new")
    form = ScopesForm(request.POST or None, grant_type=state["grant_type"], initial={"scopes": state.get("scopes", [])})
    if request.method == "POST" and form.is_valid():
        try:
            application, secret = services.application_create(
                org=request.org, actor=request.actor, grant_type=state["grant_type"], scopes=form.cleaned_data["scopes"],
                **state["details"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            del request.session[WIZARD_KEY]
            request.session[SHOWN_KEY] = application.client_id
            return _render_secret(request, application, secret, "Copy the secret", step=4)
    return _wizard_page(request, "New OAuth app: scopes and permissions", form, step=3,
                        back_url=reverse("console:oauth_app_new_details"), submit_label="Create and show the secret")


def _render_secret(request, application, secret, title, step=None):
    response = render_page(request, "oauthapps/console/copy_secret.html", title, application=application,
                           client_secret=secret, step=step, **endpoint_urls())
    response["Cache-Control"] = "no-store"
    return response


# --- Detail page: details, access settings, credentials ------------------------------------------


def _guide_slug(application: Application) -> str:
    return "okta-authorization-code" if application.is_authorization_code else "entra"


@missing_is_404
def oauth_app_detail(request, client_id):
    application = _application(request, client_id)
    if request.GET.get("done"):
        # Finish on the Copy-secret page: say what's next, then drop the parameter from the address.
        guide = reverse("console:guide", args=[_guide_slug(application)]) + f"?app={application.client_id}"
        messages.success(request, format_html(
            "{} is ready. Next: <a href=\"{}\">set it up in your identity provider</a>.", application.name, guide))
        return redirect("console:oauth_app_detail", client_id)
    tab = request.GET.get("tab", "details")
    return render_page(
        request, "oauthapps/console/app_detail.html", application.name, application=application,
        tab=tab if tab in ("details", "access", "credentials") else "details",
        scopes_form=ScopesForm(grant_type=application.authorization_grant_type,
                               initial={"scopes": application.allowed_scopes}),
        # The form names the secret it replaces: only the first of its submits rotates (the service checks).
        rotate_form=RotateSecretForm(initial={"rotation": services.secret_generation(application)}),
        approvers=selectors.application_approvers(org=request.org, application=application), **endpoint_urls(),
    )


@missing_is_404
def oauth_app_edit(request, client_id):
    """Correct an app's details (a typo in its name or redirect URL need not mean delete and recreate)."""
    application = _application(request, client_id)
    initial = {"name": application.name, "description": application.description,
               "company_name": application.company_name, "redirect_url": application.redirect_uris,
               "access_token_lifetime": application.access_token_lifetime}
    form = DetailsForm(request.POST or None, grant_type=application.authorization_grant_type, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update_details(org=request.org, actor=request.actor, application=application,
                                                **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(request, "Details saved.")
            return redirect("console:oauth_app_detail", client_id)
    return render_page(request, "oauthapps/console/app_edit.html", f"Edit {application.name}", application=application,
                       form=form)


@missing_is_404
@post_only("oauth_app_detail", same_object=True, tab="access")
def oauth_app_scopes(request, client_id):
    application = _application(request, client_id)
    form = ScopesForm(request.POST, grant_type=application.authorization_grant_type)
    if form.is_valid():
        try:
            services.application_update_scopes(org=request.org, actor=request.actor, application=application,
                                               scopes=form.cleaned_data["scopes"])
            messages.success(request, "Scopes saved.")
        except ValidationError as error:
            messages.error(request, _refusal(error))
    else:
        messages.error(request, "Choose at least one scope.")
    return redirect(reverse("console:oauth_app_detail", args=[client_id]) + "?tab=access")


@missing_is_404
@never_cache
@post_only("oauth_app_detail", same_object=True, tab="credentials")
def oauth_app_rotate(request, client_id):
    application = _application(request, client_id)
    form = RotateSecretForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The grace period is 0 to 30 days.")
        return redirect(reverse("console:oauth_app_detail", args=[client_id]) + "?tab=credentials")
    try:
        secret = services.application_rotate_secret(
            org=request.org, actor=request.actor, application=application,
            grace_days=form.cleaned_data["grace_days"], expected_generation=form.cleaned_data["rotation"],
        )
    except PreconditionFailed:
        # A reload or a double submit re-posts the form: rotating again would retire the secret just shown.
        return render_page(request, "oauthapps/console/secret_gone.html", "Secret already shown", client_id=client_id)
    return _render_secret(request, application, secret, "Copy the new secret")


@missing_is_404
@post_only("oauth_app_detail", same_object=True)
def oauth_app_status(request, client_id):
    application = _application(request, client_id)
    if request.POST.get("status") == Application.Status.DISABLED:
        services.application_disable(org=request.org, actor=request.actor, application=application)
        messages.success(request, f"{application.name} is disabled; its tokens are revoked.")
    else:
        services.application_enable(org=request.org, actor=request.actor, application=application)
        messages.success(request, f"{application.name} is active.")
    return redirect("console:oauth_app_detail", client_id)


@missing_is_404
def oauth_app_delete(request, client_id):
    application = _application(request, client_id)
    if request.method != "POST":
        return render_page(request, "oauthapps/console/app_delete.html", "Delete OAuth app", application=application)
    services.application_delete(org=request.org, actor=request.actor, application=application)
    messages.success(request, f"Deleted {application.name}; its tokens are revoked.")
    return redirect("console:oauth_apps")


# --- SCIM tokens -------------------------------------------------------------------------------


def scim_tokens(request, form=None, status=200, generation=None):
    if request.method == "GET" and request.GET.get("done"):
        messages.success(request, format_html(
            "The token is ready. Next: paste it into your identity provider (<a href=\"{}\">Okta guide</a>).",
            reverse("console:guide", args=["okta-bearer-token"])))
        return redirect("console:scim_tokens")
    response = render_page(
        request, "oauthapps/console/scim_tokens.html", "SCIM tokens",
        tokens=selectors.org_active_scim_tokens(org=request.org), form=form or ScimTokenForm(),
        # The form names the newest token: a re-post after one was created creates nothing (the service checks).
        generation=generation or services.scim_token_generation(org=request.org),
        max_tokens=services.MAX_ACTIVE_SCIM_TOKENS, **endpoint_urls(),
    )
    response.status_code = status
    return response


def _new_credential(request, *, form_class, create, list_page, gone_template, shown_template, shown_title,
                    shown_context):
    """The POST of a new-SCIM-token or new-API-key form: the credential with its secret, shown once
    (no-store); the list page with what was wrong (400); or, when the form was already used (a reload
    re-posts it), a page saying its secret is gone."""
    form = form_class(request.POST)
    generation = request.POST.get("generation", "")
    if not form.is_valid():
        return list_page(request, form, status=400, generation=generation)
    try:
        credential, raw = create(org=request.org, actor=request.actor, expected_generation=generation,
                                 **form.cleaned_data)
    except PreconditionFailed:
        return render_page(request, gone_template, "Secret already shown")
    except (ValidationError, PermissionDenied) as error:
        form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        return list_page(request, form, status=400, generation=generation)
    response = render_page(request, shown_template, shown_title, **shown_context(credential, raw))
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@post_only("scim_tokens")
def scim_token_new(request):
    return _new_credential(
        request, form_class=ScimTokenForm, create=services.scim_token_create, list_page=scim_tokens,
        gone_template="oauthapps/console/scim_token_gone.html",
        shown_template="oauthapps/console/scim_token_created.html", shown_title="Copy the SCIM token",
        shown_context=lambda token, raw: {"token": token, "raw_token": raw, **endpoint_urls()},
    )


@missing_is_404
@post_only("scim_tokens")
def scim_token_revoke(request, public_id):
    token = selectors.scim_token_by_public_id(org=request.org, public_id=public_id)
    services.scim_token_revoke(org=request.org, actor=request.actor, token=token)
    messages.success(request, f"Revoked {token.name}.")
    return redirect("console:scim_tokens")


# --- Management API keys -------------------------------------------------------------------------


def api_keys(request, form=None, status=200, generation=None):
    response = render_page(
        request, "oauthapps/console/api_keys.html", "API keys",
        keys=selectors.org_active_api_keys(org=request.org), form=form or ApiKeyForm(),
        # The form names the newest key: a re-post after one was created creates nothing (the service checks).
        generation=generation or services.api_key_generation(org=request.org),
        api_base_url=api_base_url(),
    )
    response.status_code = status
    return response


@never_cache
@post_only("api_keys")
def api_key_new(request):
    return _new_credential(
        request, form_class=ApiKeyForm, create=services.api_key_create, list_page=api_keys,
        gone_template="oauthapps/console/api_key_gone.html",
        shown_template="oauthapps/console/api_key_created.html", shown_title="Copy the API key",
        shown_context=lambda key, raw: {"key": key, "raw_key": raw, "api_base_url": api_base_url()},
    )


@missing_is_404
@post_only("api_keys")
def api_key_revoke(request, public_id):
    key = selectors.api_key_by_public_id(org=request.org, public_id=public_id)
    services.api_key_revoke(org=request.org, actor=request.actor, key=key)
    messages.success(request, f"Revoked {key.name}.")
    return redirect("console:api_keys")


console_site.register_page("oauth-apps/", oauth_apps, name="oauth_apps", nav_label="OAuth apps", nav_order=40)
console_site.register_page("oauth-apps/new/", wizard_grant_type, name="oauth_app_new")
console_site.register_page("oauth-apps/new/details/", wizard_details, name="oauth_app_new_details")
console_site.register_page("oauth-apps/new/scopes/", wizard_scopes, name="oauth_app_new_scopes")
console_site.register_page("oauth-apps/<str:client_id>/", oauth_app_detail, name="oauth_app_detail")
console_site.register_page("oauth-apps/<str:client_id>/edit/", oauth_app_edit, name="oauth_app_edit")
console_site.register_page("oauth-apps/<str:client_id>/scopes/", oauth_app_scopes, name="oauth_app_scopes")
console_site.register_page("oauth-apps/<str:client_id>/rotate/", oauth_app_rotate, name="oauth_app_rotate")
console_site.register_page("oauth-apps/<str:client_id>/status/", oauth_app_status, name="oauth_app_status")
console_site.register_page("oauth-apps/<str:client_id>/delete/", oauth_app_delete, name="oauth_app_delete")
console_site.register_page("scim-tokens/", scim_tokens, name="scim_tokens", nav_label="SCIM tokens", nav_order=50)
console_site.register_page("scim-tokens/new/", scim_token_new, name="scim_token_new")
console_site.register_page("scim-tokens/<str:public_id>/revoke/", scim_token_revoke, name="scim_token_revoke")
console_site.register_page("api-keys/", api_keys, name="api_keys", nav_label="API keys", nav_order=55)
console_site.register_page("api-keys/new/", api_key_new, name="api_key_new")
console_site.register_page("api-keys/<str:public_id>/revoke/", api_key_revoke, name="api_key_revoke")

from . import console_overview, guides  # noqa: E402,F401  (register the Overview card and the setup guide pages)
