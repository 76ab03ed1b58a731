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
