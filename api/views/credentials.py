"""The org's IdP credentials: OAuth applications and SCIM tokens. Secrets appear once, in the
response that created them (Cache-Control: no-store), and never again."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from oauthapps import selectors, services

from .. import serializers as s
from ..pagination import PageParameters, keyset_page, page_response, page_serializer
from .base import ApiView


def _secret_response(data, status=200) -> Response:
    return Response(data, status=status, headers={"Cache-Control": "no-store"})


class ApplicationList(ApiView):
    @extend_schema(operation_id="oauth_apps_list", parameters=[PageParameters], responses=page_serializer(s.ApplicationSerializer),
                   tags=["oauth-apps"])
    def get(self, request):
        page = self.query(PageParameters)
        rows, next_cursor = keyset_page(selectors.org_applications(org=self.org), ("-created", "-id"), **page)
        return page_response(request, s.ApplicationSerializer, rows, next_cursor)

    @extend_schema(request=s.ApplicationCreateSerializer, responses={201: s.ApplicationWithSecretSerializer},
                   tags=["oauth-apps"], description="The response carries the client secret, once.")
    def post(self, request):
        application, secret = services.application_create(org=self.org, actor=self.actor,
                                                          **self.body(s.ApplicationCreateSerializer))
        data = s.ApplicationWithSecretSerializer(application, context={"client_secret": secret}).data
        return _secret_response(data, status=201)


class ApplicationDetail(ApiView):
    def _application(self, client_id):
        return selectors.application_by_client_id(org=self.org, client_id=client_id)

    @extend_schema(responses=s.ApplicationSerializer, tags=["oauth-apps"])
    def get(self, request, client_id):
        return Response(s.ApplicationSerializer(self._application(client_id)).data)

    @extend_schema(request=s.ApplicationUpdateSerializer, responses=s.ApplicationSerializer, tags=["oauth-apps"],
                   description="Rename the app; replace an authorization-code app's redirect URLs.")
    def patch(self, request, client_id):
        application = services.application_update(org=self.org, actor=self.actor,
                                                   application=self._application(client_id),
                                                   **self.body(s.ApplicationUpdateSerializer))
        return Response(s.ApplicationSerializer(application).data)

    @extend_schema(responses={204: None}, tags=["oauth-apps"], description="Deletes the app and revokes its tokens.")
    def delete(self, request, client_id):
        services.application_delete(org=self.org, actor=self.actor, application=self._application(client_id))
        return Response(status=204)


class ApplicationRotateSecret(ApiView):
    @extend_schema(request=s.SecretRotationSerializer, responses=s.RotatedSecretSerializer, tags=["oauth-apps"],
                   description="A new client secret, shown once; the previous one keeps working for grace_days.")
    def post(self, request, client_id):
        application = selectors.application_by_client_id(org=self.org, client_id=client_id)
        secret = services.application_rotate_secret(org=self.org, actor=self.actor, application=application,
                                                    **self.body(s.SecretRotationSerializer))
        return _secret_response({"client_secret": secret})


def _application_status_action(service, summary: str):
    class ApplicationStatus(ApiView):
        @extend_schema(request=None, responses=s.ApplicationSerializer, tags=["oauth-apps"], summary=summary)
        def post(self, request, client_id):
            application = selectors.application_by_client_id(org=self.org, client_id=client_id)
            application = service(org=self.org, actor=self.actor, application=application)
            return Response(s.ApplicationSerializer(application).data)

    ApplicationStatus.__name__ = ApplicationStatus.__qualname__ = f"Application{service.__name__.title()}"
    return ApplicationStatus


ApplicationDisable = _application_status_action(services.application_disable, "Disable the app and revoke its tokens")
ApplicationEnable = _application_status_action(services.application_enable, "Enable a disabled app")


class ScimTokenList(ApiView):
    @extend_schema(operation_id="scim_tokens_list", parameters=[PageParameters], responses=page_serializer(s.ScimTokenSerializer),
                   tags=["scim-tokens"], description="Active (unrevoked, unexpired) tokens.")
    def get(self, request):
        page = self.query(PageParameters)
        rows, next_cursor = keyset_page(selectors.org_active_scim_tokens(org=self.org), ("-created", "-id"), **page)
        return page_response(request, s.ScimTokenSerializer, rows, next_cursor)

    @extend_schema(request=s.ScimTokenCreateSerializer, responses={201: s.ScimTokenWithSecretSerializer},
                   tags=["scim-tokens"], description="The response carries the token, once.")
    def post(self, request):
        token, raw = services.scim_token_create(org=self.org, actor=self.actor, **self.body(s.ScimTokenCreateSerializer))
        return _secret_response(s.ScimTokenWithSecretSerializer(token, context={"token": raw}).data, status=201)


class ScimTokenDetail(ApiView):
    @extend_schema(responses=s.ScimTokenSerializer, tags=["scim-tokens"])
    def get(self, request, token_id):
        return Response(s.ScimTokenSerializer(selectors.scim_token_by_public_id(org=self.org, public_id=token_id)).data)


class ScimTokenRevoke(ApiView):
    @extend_schema(request=None, responses=s.ScimTokenSerializer, tags=["scim-tokens"],
                   description="The token stops working at once.")
    def post(self, request, token_id):
        token = selectors.scim_token_by_public_id(org=self.org, public_id=token_id)
        token = services.scim_token_revoke(org=self.org, actor=self.actor, token=token)
        return Response(s.ScimTokenSerializer(token).data)
