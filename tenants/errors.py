"""Domain errors: what services and selectors raise, whatever surface called them.

Each surface maps them once: the SCIM protocol to RFC 7644 error bodies (404, 409 uniqueness,
412), the console to a 404 page or a form error, the management API to its error shape. Invalid
input is Django's ValidationError (with a code) and a refused role is Django's PermissionDenied.
"""


class NotFound(LookupError):
    """No such row in this org. Another org's row is answered exactly the same way (invariant 1)."""


class Conflict(Exception):
    """The change would break a uniqueness rule of this org (a name or external id is taken)."""


class PreconditionFailed(Exception):
    """The caller's version of the row is stale (If-Match): nothing was written."""
