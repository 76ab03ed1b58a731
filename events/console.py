"""The console's Webhooks pages: endpoints, their recent deliveries, resend and a test event."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from oauthapps.console import missing_is_404
from tenants.console import render_page
from tenants.console_site import console_site, post_only

from . import selectors, services
from .models import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.URLField(label="URL", max_length=2048, assume_scheme="https",
                         help_text="Where we POST each event (https), signed as Standard Webhooks describes.")
    event_types = forms.MultipleChoiceField(
        label="Events", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(event_type, event_type) for event_type in EVENT_TYPES], help_text="None ticked: every event.")


def webhooks(request, form=None, status=200):
    endpoints = list(selectors.org_webhook_endpoints(org=request.org))
    response = render_page(request, "events/console/webhooks.html", "Webhooks", endpoints=endpoints,
                           form=form or EndpointForm())
    response.status_code = status
    return response


@never_cache
def webhook_new(request):
    if request.method != "POST":
        return redirect("console:webhooks")
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return webhooks(request, form, status=400)
    try:
        endpoint, secret = services.webhook_endpoint_create(org=request.org, actor=request.actor, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return webhooks(request, form, status=400)
    return render_page(request, "events/console/webhook_created.html", "Copy the signing secret", endpoint=endpoint,
                       secret=secret)


@missing_is_404
def webhook_detail(request, public_id):
    endpoint = selectors.webhook_endpoint_by_public_id(org=request.org, public_id=public_id)
    deliveries = selectors.webhook_endpoint_recent_deliveries(org=request.org, endpoint=endpoint)
    return render_page(request, "events/console/webhook_detail.html", endpoint.url, endpoint=endpoint,
                       deliveries=deliveries)


@missing_is_404
@post_only("webhook_detail", same_object=True)
def webhook_status(request, public_id):
    endpoint = selectors.webhook_endpoint_by_public_id(org=request.org, public_id=public_id)
    enabled = request.POST.get("enabled") == "1"
    services.webhook_endpoint_set_enabled(org=request.org, actor=request.actor, endpoint=endpoint, enabled=enabled)
    messages.success(request, f"{endpoint.url} is {'enabled: what it missed is sent now' if enabled else 'disabled'}.")
    return redirect("console:webhook_detail", public_id)


@missing_is_404
@post_only("webhook_detail", same_object=True)
def webhook_test(request, public_id):
    endpoint = selectors.webhook_endpoint_by_public_id(org=request.org, public_id=public_id)
    outcome = services.webhook_endpoint_send_test(org=request.org, actor=request.actor, endpoint=endpoint)
    if outcome.ok:
        messages.success(request, f"Test event sent: {endpoint.url} answered HTTP {outcome.status}.")
    else:
        messages.error(request, f"Test event not accepted: {outcome.error}")
    return redirect("console:webhook_detail", public_id)


@missing_is_404
def webhook_resend(request, public_id, delivery_id):
    if request.method != "POST":  # the address bar after a resend: back to the endpoint's page
        return redirect("console:webhook_detail", public_id)
    endpoint = selectors.webhook_endpoint_by_public_id(org=request.org, public_id=public_id)
    delivery = selectors.webhook_delivery_by_public_id(org=request.org, public_id=delivery_id)
    if delivery.endpoint_id != endpoint.pk:
        return redirect("console:webhook_detail", public_id)
    services.webhook_delivery_resend(org=request.org, actor=request.actor, delivery=delivery)
    messages.success(request, "Queued to be sent again.")
    return redirect("console:webhook_detail", public_id)


@missing_is_404
def webhook_delete(request, public_id):
    endpoint = selectors.webhook_endpoint_by_public_id(org=request.org, public_id=public_id)
    if request.method != "POST":
        return render_page(request, "events/console/webhook_delete.html", "Delete webhook endpoint", endpoint=endpoint)
    services.webhook_endpoint_delete(org=request.org, actor=request.actor, endpoint=endpoint)
    messages.success(request, f"Deleted the endpoint {endpoint.url}.")
    return redirect("console:webhooks")


console_site.register_page("webhooks/", webhooks, name="webhooks", nav_label="Webhooks", nav_order=85)
console_site.register_page("webhooks/new/", webhook_new, name="webhook_new")
console_site.register_page("webhooks/<str:public_id>/", webhook_detail, name="webhook_detail")
console_site.register_page("webhooks/<str:public_id>/status/", webhook_status, name="webhook_status")
console_site.register_page("webhooks/<str:public_id>/test/", webhook_test, name="webhook_test")
console_site.register_page("webhooks/<str:public_id>/deliveries/<str:delivery_id>/resend/", webhook_resend,
                           name="webhook_resend")
console_site.register_page("webhooks/<str:public_id>/delete/", webhook_delete, name="webhook_delete")
