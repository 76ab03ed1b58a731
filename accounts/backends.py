from django.contrib.auth.backends import ModelBackend

from .models import normalize_email


class EmailBackend(ModelBackend):
    """ModelBackend keyed by e-mail. Inactive users never authenticate, and get_user() refuses them,
    so deactivating a user ends their console sessions on their next request."""


def sign_in_name(request, credentials) -> str:
    """The e-mail django-axes counts failures against, case-folded like sign-in itself."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(raw)
