"""The middleware only a browser needs (session, signed-in user, MFA, messages), which SCIM requests skip.

An identity provider's SCIM request authenticates with a bearer token: no SCIM view reads a session, a
signed-in user or a message, and a console session cookie sent along authenticates nothing there. These
four cost ~0.06 ms of CPU a request, 8-9% of a GET by id's instructions (issue 14, bench/README.md). Each
stays a subclass of its original, in its original place in MIDDLEWARE, so every check and library that
looks for it finds it.
"""

from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django_otp import middleware as otp_middleware

from .scim_paths import is_scim_path


def _skipped_for_scim(middleware: type) -> type:
    """`middleware`, run for every request but a SCIM request."""

    def __call__(self, request):
        if is_scim_path(request.path_info):
            return self.get_response(request)
        return middleware.__call__(self, request)

    return type(middleware.__name__, (middleware,), {
        "__call__": __call__, "__module__": __name__, "__doc__": f"{middleware.__doc__ or ''}\n\nNot for SCIM.",
    })


SessionMiddleware = _skipped_for_scim(sessions_middleware.SessionMiddleware)
AuthenticationMiddleware = _skipped_for_scim(auth_middleware.AuthenticationMiddleware)
OTPMiddleware = _skipped_for_scim(otp_middleware.OTPMiddleware)
MessageMiddleware = _skipped_for_scim(messages_middleware.MessageMiddleware)
