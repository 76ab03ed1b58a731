"""The directory's console pages (read-only: the IdP owns these rows) and its Overview card."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404

from tenants import selectors as tenant_selectors
from tenants.console import render_page
from tenants.console_site import console_site
from tenants.errors import NotFound

from . import idps, selectors
from .connection_test import run_connection_test

PAGE_SIZE = 50
STAFF_CHANGES_SHOWN = 20
RECENT_EVENTS = 10


def directory_users(request):
    query = request.GET.get("q", "").strip()
    active = request.GET.get("active", "")
    after = request.GET.get("after", "")
    users, next_key = selectors.directory_users_page(org=request.org, query=query, active=active, after=after)
    return render_page(request, "console/scim_users.html", "Users", users=users, next_key=next_key, query=query,
                       active=active, after=after)


def directory_user(request, public_id):
    try:
        user = selectors.directory_user(org=request.org, public_id=public_id)
    except NotFound:  # another org's user is a 404 like one that never existed
        raise Http404("No such user.") from None
    return render_page(request, "console/scim_user_detail.html", user.user_name, scim_user=user,
                       history=selectors.user_provisioning_history(org=request.org, public_id=public_id))


def directory_groups(request):
    query = request.GET.get("q", "").strip()
    groups = selectors.directory_groups(org=request.org, query=query)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "scim/console_groups.html", "Groups", page=page, query=query,
                       filter_query=urlencode({"q": query}) if query else "")


def directory_group(request, group_id):
    try:
        group = selectors.group_get(org=request.org, public_id=group_id)
    except NotFound:  # another org's group is a 404 like one that never existed
        raise Http404("No such group.") from None
    members = selectors.group_members(org=request.org, group=group)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "scim/console_group.html", group.display_name, group=group, page=page)


def provisioning_log(request):
    """Every SCIM request of the last 30 days, each explained: the error detail, the IdP recognised from
    the request, and a plain-words hint (scim.idps.hints). Filtered by IdP, outcome, method, user, group."""
    filters = {name: request.GET.get(name, "").strip() for name in ("status", "method", "q", "idp", "user", "group")}
    events = selectors.provisioning_events(
        org=request.org, status=filters["status"] or None, method=filters["method"] or None,
        query=filters["q"] or None, idp=filters["idp"] or None, user=filters["user"] or None,
        group=filters["group"] or None)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    names = selectors.provisioning_event_names(org=request.org, events=page.object_list)
    rows = [(event, idps.NAMES.get(event.idp, ""), idps.hints(event), names.get(event.user_public_id, ""),
             names.get(event.group_public_id, "")) for event in page.object_list]
    return render_page(request, "console/provisioning_log.html", "Provisioning log", page=page, rows=rows,
                       filters=filters, status=filters["status"], method=filters["method"], query=filters["q"],
                       methods=["GET", "POST", "PUT", "PATCH", "DELETE"], idp_choices=list(idps.NAMES.items()),
                       filtered_name=names.get(filters["user"] or filters["group"], ""),
                       filter_query=urlencode({name: value for name, value in filters.items() if value}),
                       staff_changes=tenant_selectors.audit_events(org=request.org, actor_kind="staff")[:STAFF_CHANGES_SHOWN])


def connection_test(request):
    """Run the first steps an IdP performs against this org's SCIM endpoint (scim.connection_test)."""
    steps, refusal = ([], "")
    ran = request.method == "POST"
    if ran:
        steps, refusal = run_connection_test(org=request.org, actor=request.actor)
    return render_page(request, "scim/connection_test.html", "Test the SCIM connection", ran=ran, steps=steps,
                       refusal=refusal, passed=ran and not refusal and all(step.passed for step in steps),
                       total_ms=sum(step.duration_ms for step in steps))


def overview_provisioning_section(request):
    """The Overview card: directory user and group counts and the last provisioning events."""
    return {
        **selectors.directory_counts(org=request.org),
        "events": list(selectors.provisioning_events(org=request.org)[:RECENT_EVENTS]),
    }


console_site.register_page("users/", directory_users, name="scim_users", nav_label="Users", nav_order=60)
console_site.register_page("users/<str:public_id>/", directory_user, name="scim_user")
console_site.register_page("groups/", directory_groups, name="scim_groups", nav_label="Groups", nav_order=70)
console_site.register_page("groups/<str:group_id>/", directory_group, name="scim_group")
console_site.register_page("provisioning-log/", provisioning_log, name="provisioning_log",
                           nav_label="Provisioning log", nav_order=80)
console_site.register_page("connection-test/", connection_test, name="connection_test")
console_site.register_overview_section("console/overview_provisioning.html", overview_provisioning_section, order=20)
