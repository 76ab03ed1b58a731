"""What a key may do before any service is asked: read keys read. What a read-write key may change
is then the services' decision, by the role the key acts with (tenants.services._acting_role)."""

from rest_framework import permissions

from oauthapps.credentials import ApiKeyPrincipal


class KeyAccess(permissions.BasePermission):
    message = "This API key is read-only."

    def has_permission(self, request, view):
        if not isinstance(request.user, ApiKeyPrincipal):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.key.can_write
