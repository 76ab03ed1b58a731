"""/api/v1/: the management API, its OpenAPI document and its docs page."""

from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views import credentials, directory, events, organization
from .views.base import UnknownEndpoint


class PublicIdConverter:
    """The ids the API gives out (public ids, client ids): a malformed one is a 404 before any lookup."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PublicIdConverter, "pid")

app_name = "api"

urlpatterns = [
    path("organization/", organization.OrganizationView.as_view(), name="organization"),
    path("members/", organization.MemberList.as_view(), name="members"),
    path("members/<pid:member_id>/", organization.MemberDetail.as_view(), name="member"),
    path("invitations/", organization.InvitationList.as_view(), name="invitations"),
    path("invitations/<pid:invitation_id>/", organization.InvitationDetail.as_view(), name="invitation"),
    path("invitations/<pid:invitation_id>/resend/", organization.InvitationResend.as_view(), name="invitation_resend"),
    path("invitations/<pid:invitation_id>/revoke/", organization.InvitationRevoke.as_view(), name="invitation_revoke"),
    path("domains/", organization.DomainList.as_view(), name="domains"),
    path("domains/<pid:domain_id>/", organization.DomainDetail.as_view(), name="domain"),
    path("domains/<pid:domain_id>/verify/", organization.DomainVerify.as_view(), name="domain_verify"),
    path("oauth-apps/", credentials.ApplicationList.as_view(), name="oauth_apps"),
    path("oauth-apps/<pid:client_id>/", credentials.ApplicationDetail.as_view(), name="oauth_app"),
    path("oauth-apps/<pid:client_id>/rotate-secret/", credentials.ApplicationRotateSecret.as_view(),
         name="oauth_app_rotate_secret"),
    path("oauth-apps/<pid:client_id>/disable/", credentials.ApplicationDisable.as_view(), name="oauth_app_disable"),
    path("oauth-apps/<pid:client_id>/enable/", credentials.ApplicationEnable.as_view(), name="oauth_app_enable"),
    path("scim-tokens/", credentials.ScimTokenList.as_view(), name="scim_tokens"),
    path("scim-tokens/<pid:token_id>/", credentials.ScimTokenDetail.as_view(), name="scim_token"),
    path("scim-tokens/<pid:token_id>/revoke/", credentials.ScimTokenRevoke.as_view(), name="scim_token_revoke"),
    path("directory/users/", directory.UserList.as_view(), name="directory_users"),
    path("directory/users/<pid:user_id>/", directory.UserDetail.as_view(), name="directory_user"),
    path("directory/groups/", directory.GroupList.as_view(), name="directory_groups"),
    path("directory/groups/<pid:group_id>/", directory.GroupDetail.as_view(), name="directory_group"),
    path("provisioning-log/", directory.ProvisioningLog.as_view(), name="provisioning_log"),
    path("audit-log/", directory.AuditLog.as_view(), name="audit_log"),
    path("events/", events.EventList.as_view(), name="events"),
    path("webhook-endpoints/", events.WebhookEndpointList.as_view(), name="webhook_endpoints"),
    path("webhook-endpoints/<pid:endpoint_id>/", events.WebhookEndpointDetail.as_view(), name="webhook_endpoint"),
    path("webhook-endpoints/<pid:endpoint_id>/enable/", events.WebhookEndpointEnable.as_view(),
         name="webhook_endpoint_enable"),
    path("webhook-endpoints/<pid:endpoint_id>/disable/", events.WebhookEndpointDisable.as_view(),
         name="webhook_endpoint_disable"),
    path("webhook-endpoints/<pid:endpoint_id>/test/", events.WebhookEndpointTest.as_view(), name="webhook_endpoint_test"),
    path("webhook-endpoints/<pid:endpoint_id>/deliveries/", events.WebhookDeliveryList.as_view(),
         name="webhook_deliveries"),
    path("webhook-deliveries/<pid:delivery_id>/resend/", events.WebhookDeliveryResend.as_view(),
         name="webhook_delivery_resend"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", UnknownEndpoint.as_view()),
]
