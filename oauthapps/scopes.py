"""The scopes a credential can carry, and which SCIM operation each one allows."""

READ = "managed-users/read"
LIST = "managed-users/list"
CREATE = "managed-users/create"
UPDATE = "managed-users/update"
DELETE = "managed-users/delete"
OFFLINE_ACCESS = "offline_access"

MANAGED_USERS = (READ, LIST, CREATE, UPDATE, DELETE)

DESCRIPTIONS = {
    READ: "Read one user or group",
    LIST: "List and search users and groups",
    CREATE: "Create users and groups",
    UPDATE: "Update users and groups",
    DELETE: "Delete users and groups",
    OFFLINE_ACCESS: "Stay connected (refresh tokens)",
}

ALL = (*MANAGED_USERS, OFFLINE_ACCESS)

# What an IdP's provisioning cycle needs: look a user up by filter, read it, create it, patch it.
PROVISIONING = (LIST, READ, CREATE, UPDATE)


def missing_for_provisioning(granted) -> list[str]:
    return [scope for scope in PROVISIONING if scope not in granted]


def allowed_for_grant(grant_type: str) -> tuple[str, ...]:
    """offline_access (refresh tokens) only makes sense when a person approved the access."""
    from oauth2_provider.models import AbstractApplication

    return ALL if grant_type == AbstractApplication.GRANT_AUTHORIZATION_CODE else MANAGED_USERS


class ApplicationScopes:
    """django-oauth-toolkit's SCOPES_BACKEND_CLASS: an application may ask for its allowed scopes only.

    A request without `scope` gets every allowed scope (Entra sends none on client credentials).
    """

    def get_all_scopes(self):
        return DESCRIPTIONS

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return list(ALL)
        return list(application.allowed_scopes)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)
