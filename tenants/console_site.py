"""The org console: an AdminSite whose every page runs inside the signed-in member's org scope."""

from dataclasses import dataclass
from functools import update_wrapper, wraps

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from . import selectors


class ConsoleSignInForm(AuthenticationForm):
    """Any active person may sign in; what they see depends on their role in the chosen org."""

    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    required_css_class = "required"


def post_only(form_page: str, *, same_object: bool = False, tab: str = ""):
    """A form's action URL. A GET of it (a reload, the address bar after a validation error) goes to
    the page that holds the form (`form_page`; with same_object, given the same URL arguments)
    instead of an empty 405. It looks nothing up, so it reveals nothing."""

    def decorate(view):
        @wraps(view)
        def answering_get(request, *args, **kwargs):
            if request.method != "POST":
                url = reverse(f"console:{form_page}", kwargs=kwargs if same_object else None)
                return redirect(url + (f"?tab={tab}" if tab else ""))
            return view(request, *args, **kwargs)

        return answering_get

    return decorate


@dataclass(frozen=True)
class ConsolePage:
    route: str
    view: object
    name: str
    nav_label: str | None
    nav_order: int
    needs_org: bool


@dataclass(frozen=True)
class OverviewSection:
    """A card on the Overview page. `context(request)` returns the template's `section` dict; its
    optional "warnings" list is lifted into the page's one warnings box, so nothing urgent hides in a card."""

    template: str
    context: object
    order: int


class ConsoleSite(admin.AdminSite):
    site_header = "Identity console"
    site_title = "Identity console"
    index_title = "Overview"
    login_form = ConsoleSignInForm
    site_url = None  # the console is the site; no "View site" link
    # The product's own words where AdminSite would say "Thanks for spending some quality time with the web site".
    logout_template = "console/logged_out.html"
    password_change_template = "console/password_change.html"
    password_change_done_template = "console/password_change_done.html"

    def __init__(self, name="console"):
        super().__init__(name=name)
        self._pages: list[ConsolePage] = []
        self._overview_sections: list[OverviewSection] = []

    def register_page(self, route, view, *, name, nav_label=None, nav_order=100, needs_org=True):
        """Add a page; apps call this from their console.py (autodiscovered like admin.py)."""
        self._pages.append(ConsolePage(route, view, name, nav_label, nav_order, needs_org))

    def register_overview_section(self, template, context, *, order=100):
        """Add a card to the Overview; apps own what they show (the tenants app never imports them)."""
        self._overview_sections.append(OverviewSection(template, context, order))

    def overview_sections(self) -> list[OverviewSection]:
        return sorted(self._overview_sections, key=lambda section: section.order)

    def has_permission(self, request):
        return request.user.is_active and request.user.is_authenticated

    # AdminSite's own pages that make sense without a chosen org.
    _views_without_org = {"logout", "password_change", "password_change_done", "i18n_javascript"}
    # Pages reachable before the second factor: entering it, setting it up, leaving.
    _views_before_mfa = {"logout", "mfa_verify", "mfa_setup", "i18n_javascript"}

    def admin_view(self, view, cacheable=False, needs_org=True):
        needs_org = needs_org and getattr(view, "__name__", "") not in self._views_without_org
        before_mfa = getattr(view, "__name__", "") in self._views_before_mfa

        def org_view(request, *args, **kwargs):
            request.current_app = self.name
            if not before_mfa and (detour := self._mfa_detour(request)) is not None:
                return detour
            if needs_org:
                if request.membership is None:
                    return redirect("console:choose_org")
                if not request.membership.can_administer:
                    return self.no_access(request)
            return view(request, *args, **kwargs)

        return super().admin_view(update_wrapper(org_view, view), cacheable)

    @staticmethod
    def _mfa_detour(request):
        """Where a signed-in person must go first: to enter their code (they set up two-factor sign-in),
        or to set it up (their org requires it of owners and admins)."""
        from accounts import mfa

        if request.user.is_verified():
            return None
        if mfa.has_mfa(request.user):
            return redirect(f"{reverse('console:mfa_verify')}?{urlencode({'next': request.get_full_path()})}")
        membership = getattr(request, "membership", None)
        if membership is not None and membership.can_administer and membership.org.require_mfa:
            return redirect("console:mfa_setup")
        return None

    def get_urls(self):
        pages = [
            path(page.route, self.admin_view(page.view, needs_org=page.needs_org), name=page.name)
            for page in self._pages
        ]
        from accounts.mfa_views import mfa_setup, mfa_verify

        from .invitation_views import invitation_link

        own = [
            path("two-factor/", self.admin_view(mfa_setup, needs_org=False), name="mfa_setup"),
            path("two-factor/code/", self.admin_view(mfa_verify, needs_org=False), name="mfa_verify"),
            path("choose-org/", self.admin_view(self.choose_org, needs_org=False), name="choose_org"),
            # The invitation e-mail's link: no sign-in (its token is the credential; the page says
            # what to do next), so it is not a registered page.
            path("invitations/link/<str:token>/", invitation_link, name="invitation_link"),
        ]
        return own + pages + super().get_urls()

    def each_context(self, request):
        context = super().each_context(request)
        context["console_site"] = True  # never the staff admin's app sidebar, even with no console nav
        context["org"] = getattr(request, "org", None)
        context["membership"] = getattr(request, "membership", None)
        if context["membership"] is not None:
            context["several_orgs"] = (
                selectors.memberships_of_user(user=request.user).exclude(pk=context["membership"].pk).exists())
        if context["membership"] is not None and context["membership"].can_administer:
            current = request.resolver_match.url_name if request.resolver_match else None
            context["console_nav"] = [
                {"label": page.nav_label, "url": reverse(f"{self.name}:{page.name}"), "active": page.name == current}
                for page in sorted(self._pages, key=lambda page: page.nav_order)
                if page.nav_label
            ]
        context["is_nav_sidebar_enabled"] = bool(context.get("console_nav"))
        return context

    def choose_org(self, request):
        from .middleware import SESSION_ORG_KEY

        memberships = list(selectors.memberships_of_user(user=request.user))
        if request.method == "POST":
            chosen = next((m for m in memberships if m.org.public_id == request.POST.get("org")), None)
            if chosen is not None:
                request.session[SESSION_ORG_KEY] = chosen.org.public_id
                return redirect("console:index")
        context = {
            **self.each_context(request), "title": "Choose an organization", "memberships": memberships,
            "invitations": selectors.open_invitations_of_user(user=request.user),
        }
        return TemplateResponse(request, "console/choose_org.html", context)

    def no_access(self, request):
        context = {
            **self.each_context(request),
            "title": "Ask an administrator",
            "administrators": selectors.org_administrators(org=request.org),
        }
        return TemplateResponse(request, "console/no_access.html", context, status=403)


console_site = ConsoleSite()
