from django.apps import AppConfig


class ScimProtocolConfig(AppConfig):
    """The SCIM protocol as an app of its own (no models) so that it can wire itself into the directory
    here, the one way imports may point: the directory's events render resources as SCIM does."""

    name = "scim.protocol"
    label = "scim_protocol"
    verbose_name = "SCIM 2.0 protocol"

    def ready(self):
        from scim import directory_events

        from .resources.groups import group_to_scim
        from .resources.users import user_to_scim

        directory_events.register_renderer("User", user_to_scim)
        directory_events.register_renderer("Group", group_to_scim)  # without members: member events carry ids
