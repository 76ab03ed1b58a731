"""Directory events (a consumer that missed webhooks catches up here) and webhook endpoints."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from events import selectors, services

from .. import serializers as s
from ..pagination import PageParameters, keyset_page, page_response, page_serializer
from .base import ApiView


class EventList(ApiView):
    @extend_schema(operation_id="events_list", parameters=[s.EventFilters], responses=page_serializer(s.EventSerializer),
                   tags=["events"], description="The org's events of the last 30 days, oldest first; follow `next`.")
    def get(self, request):
        filters = self.query(s.EventFilters)
        events = selectors.org_events(org=self.org, types=sorted(filters["type"]))
        rows, next_cursor = keyset_page(events, ("sequence",), cursor=filters["cursor"], limit=filters["limit"])
        return page_response(request, s.EventSerializer, rows, next_cursor)


class WebhookEndpointList(ApiView):
    @extend_schema(operation_id="webhook_endpoints_list", parameters=[PageParameters],
                   responses=page_serializer(s.WebhookEndpointSerializer), tags=["webhooks"])
    def get(self, request):
        page = self.query(PageParameters)
        rows, next_cursor = keyset_page(selectors.org_webhook_endpoints(org=self.org), ("created", "id"), **page)
        return page_response(request, s.WebhookEndpointSerializer, rows, next_cursor)

    @extend_schema(request=s.WebhookEndpointCreateSerializer, responses={201: s.WebhookEndpointWithSecretSerializer},
                   tags=["webhooks"], description="The response carries the signing secret, once.")
    def post(self, request):
        endpoint, secret = services.webhook_endpoint_create(org=self.org, actor=self.actor,
                                                            **self.body(s.WebhookEndpointCreateSerializer))
        data = s.WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data
        return Response(data, status=201, headers={"Cache-Control": "no-store"})


class WebhookEndpointDetail(ApiView):
    @extend_schema(responses=s.WebhookEndpointSerializer, tags=["webhooks"])
    def get(self, request, endpoint_id):
        return Response(s.WebhookEndpointSerializer(
            selectors.webhook_endpoint_by_public_id(org=self.org, public_id=endpoint_id)).data)

    @extend_schema(responses={204: None}, tags=["webhooks"])
    def delete(self, request, endpoint_id):
        endpoint = selectors.webhook_endpoint_by_public_id(org=self.org, public_id=endpoint_id)
        services.webhook_endpoint_delete(org=self.org, actor=self.actor, endpoint=endpoint)
        return Response(status=204)


def _endpoint_status_action(enabled: bool):
    class WebhookEndpointStatus(ApiView):
        @extend_schema(request=None, responses=s.WebhookEndpointSerializer, tags=["webhooks"],
                       summary="Enable the endpoint (what it missed is sent)" if enabled else "Disable the endpoint")
        def post(self, request, endpoint_id):
            endpoint = selectors.webhook_endpoint_by_public_id(org=self.org, public_id=endpoint_id)
            endpoint = services.webhook_endpoint_set_enabled(org=self.org, actor=self.actor, endpoint=endpoint,
                                                             enabled=enabled)
            return Response(s.WebhookEndpointSerializer(endpoint).data)

    WebhookEndpointStatus.__name__ = WebhookEndpointStatus.__qualname__ = (
        f"WebhookEndpoint{'Enable' if enabled else 'Disable'}")
    return WebhookEndpointStatus


WebhookEndpointEnable = _endpoint_status_action(True)
WebhookEndpointDisable = _endpoint_status_action(False)


class WebhookEndpointTest(ApiView):
    @extend_schema(request=None, responses=s.WebhookTestSerializer, tags=["webhooks"],
                   description="Send one signed `webhook.test` message now and report the receiver's answer.")
    def post(self, request, endpoint_id):
        endpoint = selectors.webhook_endpoint_by_public_id(org=self.org, public_id=endpoint_id)
        outcome = services.webhook_endpoint_send_test(org=self.org, actor=self.actor, endpoint=endpoint)
        return Response({"accepted": outcome.ok, "response_code": outcome.status, "error": outcome.error})


class WebhookDeliveryList(ApiView):
    @extend_schema(operation_id="webhook_deliveries_list", responses=s.WebhookDeliverySerializer(many=True),
                   tags=["webhooks"], description="The endpoint's 50 most recent deliveries.")
    def get(self, request, endpoint_id):
        endpoint = selectors.webhook_endpoint_by_public_id(org=self.org, public_id=endpoint_id)
        deliveries = selectors.webhook_endpoint_recent_deliveries(org=self.org, endpoint=endpoint)
        return Response(s.WebhookDeliverySerializer(deliveries, many=True).data)


class WebhookDeliveryResend(ApiView):
    @extend_schema(request=None, responses=s.WebhookDeliverySerializer, tags=["webhooks"],
                   description="Queue the delivery again (same webhook-id, so a receiver can tell it is a repeat).")
    def post(self, request, delivery_id):
        delivery = selectors.webhook_delivery_by_public_id(org=self.org, public_id=delivery_id)
        delivery = services.webhook_delivery_resend(org=self.org, actor=self.actor, delivery=delivery)
        return Response(s.WebhookDeliverySerializer(delivery).data)
