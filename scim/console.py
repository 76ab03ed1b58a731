"""The SCIM app's console pages: the org's directory users, groups and provisioning log (read-only)."""

from django.core.paginator import Paginator
from django.http import Http404

from tenants import selectors as tenant_selectors
from tenants.console import render_page
from tenants.console_site import console_site

from . import console_selectors, group_selectors, selectors
from .errors import ScimError

PAGE_SIZE = 50
STAFF_CHANGES_SHOWN = 20


def directory_users(request):
    query = request.GET.get("q", "").strip()
    active = request.GET.get("active", "")
    after = request.GET.get("after", "")
    users, next_key = console_selectors.directory_users_page(query=query, active=active, after=after)
    return render_page(request, "console/scim_users.html", "Users", users=users, next_key=next_key, query=query,
                       active=active, after=after)


def directory_user(request, public_id):
    user = console_selectors.directory_user(public_id)
    if user is None:
        raise Http404("No such user.")
    return render_page(request, "console/scim_user_detail.html", user.user_name, scim_user=user,
                       history=console_selectors.user_provisioning_history(public_id))


def directory_groups(request):
    query = request.GET.get("q", "").strip()
    page = Paginator(group_selectors.directory_groups(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "scim/console_groups.html", "Groups", page=page, query=query)


def directory_group(request, group_id):
    try:
        group = group_selectors.group_by_public_id(group_id)
    except ScimError:  # another org's group is a 404 like one that never existed
        raise Http404 from None
    page = Paginator(group_selectors.group_members(group), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "scim/console_group.html", group.display_name, group=group, page=page)


def provisioning_log(request):
    status = request.GET.get("status", "")
    method = request.GET.get("method", "")
    query = request.GET.get("q", "").strip()
    events = selectors.provisioning_events(status=status or None, method=method or None, query=query or None)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "console/provisioning_log.html", "Provisioning log", page=page, status=status,
                       method=method, query=query, methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       staff_changes=tenant_selectors.audit_events(org=request.org, actor_kind="staff")[:STAFF_CHANGES_SHOWN])


console_site.register_page("users/", directory_users, name="scim_users", nav_label="Users", nav_order=60)
console_site.register_page("users/<str:public_id>/", directory_user, name="scim_user")
console_site.register_page("groups/", directory_groups, name="scim_groups", nav_label="Groups", nav_order=70)
console_site.register_page("groups/<str:group_id>/", directory_group, name="scim_group")
console_site.register_page("provisioning-log/", provisioning_log, name="provisioning_log",
                           nav_label="Provisioning log", nav_order=80)

from . import console_overview  # noqa: E402,F401  (registers the Overview card)
