"""The SCIM app's console pages: the org's directory users and its provisioning log (read-only)."""

from django.core.paginator import Paginator
from django.http import Http404

from tenants.audit import org_audit_events
from tenants.console import render_page
from tenants.console_site import console_site

from . import console_selectors, selectors

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


def provisioning_log(request):
    status = request.GET.get("status", "")
    method = request.GET.get("method", "")
    query = request.GET.get("q", "").strip()
    events = selectors.provisioning_events(status=status or None, method=method or None, query=query or None)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "console/provisioning_log.html", "Provisioning log", page=page, status=status,
                       method=method, query=query, methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       staff_changes=org_audit_events(request.org, STAFF_CHANGES_SHOWN))


console_site.register_page("users/", directory_users, name="scim_users", nav_label="Users", nav_order=60)
console_site.register_page("users/<str:public_id>/", directory_user, name="scim_user")
console_site.register_page("provisioning-log/", provisioning_log, name="provisioning_log",
                           nav_label="Provisioning log", nav_order=80)

from . import console_overview  # noqa: E402,F401  (registers the Overview card)
