from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """ModelBackend keyed by e-mail. Inactive users never authenticate, and get_user() refuses them,
    so deactivating a user ends their console sessions on their next request."""
