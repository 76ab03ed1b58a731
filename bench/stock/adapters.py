"""The peer's SCIM adapters: django-scim2's own, subclassed where our data shape differs (a typed
e-mail, meta timestamps), as an integrator does through USER_ADAPTER and GROUP_ADAPTER."""

from django_scim.adapters import SCIMGroup, SCIMUser


def _meta(adapter) -> dict:
    return {
        "resourceType": adapter.resource_type,
        "created": adapter.obj.created.isoformat(),
        "lastModified": adapter.obj.last_modified.isoformat(),
        "location": adapter.location,
    }


class BenchSCIMUser(SCIMUser):
    @property
    def emails(self):
        return [{"value": self.obj.email, "type": "work", "primary": True}]

    @property
    def meta(self):
        return _meta(self)


class BenchSCIMGroup(SCIMGroup):
    @property
    def meta(self):
        return _meta(self)

