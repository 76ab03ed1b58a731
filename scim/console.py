"""The SCIM app's console pages: the org's directory users, groups and provisioning log (read-only)."""

from django.core.paginator import Paginator
from django.http import Http404

from tenants.console import render_page
from tenants.console_site import console_site

from . import group_selectors, selectors
from .errors import ScimError

PAGE_SIZE = 50


def directory_users(request):
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.directory_users(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "console/scim_users.html", "Users", page=page, query=query)


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
                       method=method, query=query, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])


console_site.register_page("users/", directory_users, name="scim_users", nav_label="Users", nav_order=60)
console_site.register_page("groups/", directory_groups, name="scim_groups", nav_label="Groups", nav_order=70)
console_site.register_page("groups/<str:group_id>/", directory_group, name="scim_group")
console_site.register_page("provisioning-log/", provisioning_log, name="provisioning_log",
                           nav_label="Provisioning log", nav_order=80)
