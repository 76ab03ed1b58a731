"""Console forms for OAuth applications, SCIM tokens and management API keys."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from . import scopes as scope_names
from .models import ApiKey, Application

GRANT_TYPE_CHOICES = [
    (Application.GRANT_AUTHORIZATION_CODE, "Authorization code (Okta: an admin approves access on a consent page)"),
    (Application.GRANT_CLIENT_CREDENTIALS, "Client credentials (Microsoft Entra ID: the IdP signs in with a secret)"),
]
# The wizard's choice cards: a title, who uses it and how it works.
GRANT_TYPE_CARDS = {
    Application.GRANT_AUTHORIZATION_CODE: (
        "Authorization code", "Okta (OAuth 2)",
        "An owner or admin approves access once on a consent page; Okta then refreshes its own tokens."),
    Application.GRANT_CLIENT_CREDENTIALS: (
        "Client credentials", "Microsoft Entra ID",
        "Entra signs in with the client ID and secret you paste into it; nobody approves anything."),
}


def scope_choices(grant_type: str):
    return [(scope, f"{scope}: {scope_names.DESCRIPTIONS[scope]}") for scope in scope_names.allowed_for_grant(grant_type)]


class GrantTypeForm(forms.Form):
    grant_type = forms.ChoiceField(choices=GRANT_TYPE_CHOICES, widget=forms.RadioSelect, label="Grant type")


class DetailsForm(forms.Form):
    name = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    company_name = forms.CharField(max_length=200, required=False, label="Company name",
                                   help_text="Shown on the consent page; your organization's name if empty.")
    redirect_url = forms.CharField(max_length=2000, required=False, label="Redirect URL",
                                   help_text="Exact match; https only.")
    access_token_lifetime = forms.IntegerField(min_value=300, max_value=86400, initial=3600,
                                               label="Access token lifetime (seconds)")

    def __init__(self, *args, grant_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        if grant_type == Application.GRANT_AUTHORIZATION_CODE:
            del self.fields["description"]
            self.fields["redirect_url"].required = True
        else:
            del self.fields["company_name"]
            del self.fields["redirect_url"]


class ScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Scopes")

    def __init__(self, *args, grant_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices(grant_type)


class RotateSecretForm(forms.Form):
    rotation = forms.CharField(widget=forms.HiddenInput)
    grace_days = forms.IntegerField(min_value=0, max_value=30, initial=7, label="Keep the old secret working for (days)")


class ScimTokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=[(scope, f"{scope}: {scope_names.DESCRIPTIONS[scope]}") for scope in scope_names.MANAGED_USERS],
        initial=list(scope_names.MANAGED_USERS),
    )
    expires = forms.DateTimeField(required=False, label="Expires (optional, UTC)",
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  help_text="At least 15 minutes from now; empty for no expiry.")

    def clean_expires(self):
        expires = self.cleaned_data.get("expires")
        if expires is not None and expires < timezone.now() + timedelta(minutes=15):
            raise forms.ValidationError("Choose a time at least 15 minutes from now.")
        return expires


class ApiKeyForm(forms.Form):
    LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never")]

    name = forms.CharField(max_length=100, help_text="Where the key is used, e.g. \"Terraform\".")
    access = forms.ChoiceField(choices=ApiKey.Access.choices, initial=ApiKey.Access.READ, widget=forms.RadioSelect)
    role = forms.ChoiceField(choices=ApiKey.ROLES, initial="admin",
                             help_text="What a read-and-write key may change, as a member with this role could. "
                                       "Never more than your own role.")
    lifetime = forms.ChoiceField(choices=LIFETIMES, initial="90", required=False, label="Expires after")

    def clean(self):
        cleaned = super().clean()
        days = cleaned.pop("lifetime", "")
        cleaned["expires"] = timezone.now() + timedelta(days=int(days)) if days else None
        return cleaned
