"""The path prefix config.urls mounts the SCIM API under: the middleware and error pages that treat an
identity provider's requests apart from a browser's recognise them by it."""

SCIM_PATH_PREFIX = "/scim/"


def is_scim_path(path: str) -> bool:
    return path.startswith(SCIM_PATH_PREFIX)
