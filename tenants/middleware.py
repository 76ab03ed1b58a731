from contextlib import nullcontext

from django.urls import reverse

from accounts.client_address import client_address

from . import selectors
from .audit import Actor
from .scoping import all_orgs_scope, org_scope

SESSION_ORG_KEY = "console_org"




class TenantScopeMiddleware:
    """Puts each request in its tenant scope for the whole response, template rendering included.

    /console/: the org the signed-in member chose (request.org, request.membership); request.actor
    is that member.
    /admin/: every org, for staff (the admin site itself refuses non-staff); request.actor is staff.
    Anything else (SCIM, OAuth, sign-in pages) starts unscoped; SCIM enters the org of its credential.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._console_prefix = None
        self._admin_prefix = None

    def _prefixes(self):
        if self._console_prefix is None:
            self._console_prefix = reverse("console:index")
            self._admin_prefix = reverse("admin:index")
        return self._console_prefix, self._admin_prefix

    def __call__(self, request):
        request.org = None
        request.membership = None
        request.actor = None
        console_prefix, admin_prefix = self._prefixes()
        scope = nullcontext()
        if request.path_info.startswith(admin_prefix):
            scope = all_orgs_scope()
            if request.user.is_authenticated and request.user.is_staff:
                request.actor = Actor.staff(request.user, client_address(request))
        elif request.path_info.startswith(console_prefix) and request.user.is_authenticated:
            request.actor = Actor.member(request.user, client_address(request))
            membership = selectors.console_membership(
                user=request.user, org_public_id=request.session.get(SESSION_ORG_KEY)
            )
            if membership is not None:
                request.membership = membership
                request.org = membership.org
                scope = org_scope(membership.org)
        with scope:
            return self.get_response(request)
