"""The console's two-factor pages: set it up, and enter a code after the password."""

from base64 import b32encode

from django import forms
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from . import mfa


class CodeForm(forms.Form):
    code = forms.CharField(label="Code", max_length=16, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))


def _page(request, template, title, **context):
    from tenants.console_site import console_site

    return TemplateResponse(request, template, {**console_site.each_context(request), "title": title, **context})


@never_cache
def mfa_setup(request):
    if mfa.has_mfa(request.user) and request.method != "POST":
        return _page(request, "accounts/mfa_on.html", "Two-factor sign-in")
    device = mfa.pending_app_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.mfa_enable(request=request, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            response = _page(request, "accounts/mfa_recovery_codes.html", "Save your recovery codes", codes=codes)
            response["Cache-Control"] = "no-store"
            return response
        form.add_error("code", "That code is not the one your app shows now. Check the app and try again in a few seconds.")
    return _page(request, "accounts/mfa_setup.html", "Set up two-factor sign-in", form=form,
                 secret=b32encode(device.bin_key).decode(), config_url=device.config_url)


@never_cache
def mfa_verify(request):
    form = CodeForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        if mfa.mfa_verify(request=request, code=form.cleaned_data["code"]):
            return redirect(next_url or "console:index")
        form.add_error("code", "That code did not work. Enter the 6 digits your app shows now, or a recovery code.")
    return _page(request, "accounts/mfa_verify.html", "Enter your sign-in code", form=form, next=next_url)
