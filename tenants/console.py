"""The tenants app's console pages: overview, members, domains, the audit log and the org's settings."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from . import audit, domain_checks, invitations, selectors, services
from .console_site import console_site, post_only
from .errors import NotFound
from .invitation_views import your_invitations
from .models import Domain, Invitation, Membership, Organization


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    display_name = forms.CharField(label="Name", max_length=150, required=False)
    # Admin by default: the console is for owners and admins (a member only sees "ask an administrator").
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.ADMIN)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class DomainForm(forms.Form):
    name = forms.CharField(label="Domain", max_length=255, help_text="The part after @ in your users' e-mail addresses.")


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = list(services.SETTINGS_FIELDS)
        labels = {"name": "Organization name"}


def render_page(request, template, title, **context):
    return TemplateResponse(request, template, {**console_site.each_context(request), "title": title, **context})


def overview(request):
    """The org at a glance: each app's card (connection details, counts, recent events) under one warnings box."""
    sections, warnings = [], []
    for section in console_site.overview_sections():
        context = section.context(request)
        warnings.extend(context.pop("warnings", []))
        sections.append((section.template, context))
    return render_page(request, "console/overview.html", "Overview", sections=sections, warnings=warnings)


def overview_org_section(request):
    return {"member_count": selectors.org_members(org=request.org).count()}


def overview_domains_section(request):
    domains = list(selectors.org_domains(org=request.org))
    counts = {label: sum(1 for domain in domains if domain.status == status) for status, label in Domain.Status.choices}
    warnings = [
        f"{domain.label} failed its daily re-check: it stops counting as verified in "
        f"{domain.days_left_to_reverify()} days unless the DNS record or file is back."
        for domain in domains if domain.days_left_to_reverify() is not None
    ]
    return {"domain_counts": counts, "domain_total": len(domains), "warnings": warnings}


def members(request, invite_form=None):
    memberships = selectors.org_members(org=request.org)
    return render_page(
        request,
        "console/members.html",
        "Members",
        memberships=[(membership, RoleForm(initial={"role": membership.role})) for membership in memberships],
        invitations=selectors.org_pending_invitations(org=request.org),
        invite_form=invite_form or InviteForm(),
    )


def _apply(request, service, **kwargs):
    """Run a service for the signed-in member; its refusals become messages rather than error pages,
    and a row that is gone (or another org's) a 404."""
    try:
        service(org=request.org, actor=request.actor, **kwargs)
    except NotFound:
        raise Http404("No such member, invitation or domain.") from None
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
        return False
    return True


@post_only("members")
def member_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return members(request, invite_form=form)
    email = form.cleaned_data["email"]
    if _apply(request, invitations.invitation_create, email=email, role=form.cleaned_data["role"],
              display_name=form.cleaned_data["display_name"]):
        messages.success(request, f"Invited {email.lower()}: they join once they accept the e-mailed invitation.")
    return redirect("console:members")


def _invitation(request, public_id) -> Invitation:
    try:
        return selectors.invitation_by_public_id(org=request.org, public_id=public_id)
    except NotFound:
        raise Http404("No such invitation.") from None


def _invitation_action(service, done: str):
    """A POST-only Members-page button on one pending invitation (resend, revoke)."""

    @post_only("members")
    def view(request, public_id):
        invitation = _invitation(request, public_id)
        if _apply(request, service, invitation=invitation):
            messages.success(request, done.format(email=invitation.email))
        return redirect("console:members")

    return view


invitation_resend = _invitation_action(
    invitations.invitation_resend, "Sent the invitation for {email} again; the earlier link no longer works.")
invitation_revoke = _invitation_action(invitations.invitation_revoke, "Revoked the invitation for {email}.")


def _membership(request, public_id) -> Membership:
    try:
        return selectors.membership_by_public_id(org=request.org, public_id=public_id)
    except NotFound:
        raise Http404("No such member.") from None


@post_only("members")
def member_change_role(request, public_id):
    membership = _membership(request, public_id)
    form = RoleForm(request.POST)
    if form.is_valid() and _apply(request, services.membership_change_role, membership=membership,
                                  role=form.cleaned_data["role"]):
        messages.success(request, f"Role of {membership.user.email} is now {form.cleaned_data['role']}.")
    return redirect("console:members")


def member_remove(request, public_id):
    membership = _membership(request, public_id)
    if request.method != "POST":
        refusal = services.membership_remove_refusal(org=request.org, actor=request.actor, membership=membership)
        yourself = membership.user_id == request.user.pk
        return render_page(request, "console/member_remove.html", f"Leave {request.org.name}" if yourself else "Remove member",
                           membership=membership, refusal=refusal, yourself=yourself)
    if _apply(request, services.membership_remove, membership=membership):
        messages.success(request, f"Removed {membership.user.email} from {request.org.name}.")
        if membership.user_id == request.user.pk:
            return redirect("console:choose_org")
    return redirect("console:members")


def domains(request, add_form=None):
    return render_page(
        request, "console/domains.html", "Domains",
        domains=selectors.org_domains(org=request.org), add_form=add_form or DomainForm(),
    )


@post_only("domains")
def domain_add(request):
    form = DomainForm(request.POST)
    if form.is_valid():
        try:
            domain = services.domain_add(org=request.org, actor=request.actor, name=form.cleaned_data["name"])
        except (ValidationError, PermissionDenied) as error:
            form.add_error("name", error if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, f"Added {domain.label}. Publish the DNS record or the file below, then verify.")
            return redirect("console:domain_detail", public_id=domain.public_id)
    return domains(request, add_form=form)


def _domain(request, public_id) -> Domain:
    try:
        return selectors.domain_by_public_id(org=request.org, public_id=public_id)
    except NotFound:
        raise Http404("No such domain.") from None


def domain_detail(request, public_id):
    domain = _domain(request, public_id)
    return render_page(
        request, "console/domain_detail.html", domain.unicode_name,
        domain=domain,
        dns_record_name=domain_checks.dns_record_name(domain.name),
        dns_record_value=domain_checks.dns_record_value(domain.token),
        https_file_url=domain_checks.https_file_url(domain.name),
    )


@post_only("domain_detail", same_object=True)
def domain_verify(request, public_id):
    domain = _domain(request, public_id)
    method = request.POST.get("method")
    if method not in Domain.Method.values:
        raise Http404("No such verification method.")
    try:
        domain = services.domain_verify(org=request.org, actor=request.actor, domain=domain, method=method)
    except NotFound:
        raise Http404("No such domain.") from None
    if domain.last_failure_reason:
        messages.error(request, f"Could not verify {domain.label}: {domain.last_failure_reason}")
    else:
        messages.success(request, f"Verified {domain.label} with the {Domain.Method(method).label}.")
    return redirect("console:domain_detail", public_id=domain.public_id)


def domain_delete(request, public_id):
    domain = _domain(request, public_id)
    if request.method != "POST":
        return render_page(request, "console/domain_delete.html", f"Remove {domain.unicode_name}", domain=domain)
    if _apply(request, services.domain_remove, domain=domain):
        messages.success(request, f"Removed {domain.label}.")
    return redirect("console:domains")


def audit_log(request):
    """Who did what to the org, when and from which address: members, staff, the IdP's credentials and
    the system. Filtered by actor ("<kind>:<label>") and action; paged by cursor, newest first."""
    actor, action = request.GET.get("actor", ""), request.GET.get("action", "")
    actor_kind, _, actor_label = actor.partition(":")
    page = selectors.audit_log_page(
        org=request.org, actor_kind=actor_kind, actor_label=actor_label, action=action,
        before=request.GET.get("before", ""), after=request.GET.get("after", ""),
    )
    return render_page(
        request, "console/audit_log.html", "Audit log", page=page, actor=actor, action=action,
        actors=selectors.audit_actors(org=request.org),
        actions=sorted(audit.ACTIONS.items(), key=lambda code_and_words: code_and_words[1]),
    )


def org_settings(request):
    """Owners edit the org's policies; admins see them read-only."""
    can_edit = request.membership.role == Membership.Role.OWNER
    form = PolicyForm(request.POST if request.method == "POST" else None, instance=request.org)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only an owner can change the organization's settings.")
        if form.is_valid() and _apply(request, services.organization_update_policy, **form.cleaned_data):
            messages.success(request, "Settings saved.")
            return redirect("console:settings")
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render_page(request, "console/settings.html", "Settings", form=form, can_edit=can_edit)


console_site.register_overview_section("console/overview_org.html", overview_org_section, order=0)
console_site.register_overview_section("console/overview_domains.html", overview_domains_section, order=30)
console_site.register_page("", overview, name="overview", nav_label="Overview", nav_order=0)
console_site.register_page("members/", members, name="members", nav_label="Members", nav_order=10)
console_site.register_page("members/invite/", member_invite, name="member_invite")
console_site.register_page("members/invitations/<str:public_id>/resend/", invitation_resend, name="invitation_resend")
console_site.register_page("members/invitations/<str:public_id>/revoke/", invitation_revoke, name="invitation_revoke")
# The invited person's own page: it needs no org (they may belong to none yet).
console_site.register_page("invitations/", your_invitations, name="invitations", needs_org=False)
console_site.register_page("members/<str:public_id>/role/", member_change_role, name="member_change_role")
console_site.register_page("members/<str:public_id>/remove/", member_remove, name="member_remove")
console_site.register_page("domains/", domains, name="domains", nav_label="Domains", nav_order=30)
console_site.register_page("domains/add/", domain_add, name="domain_add")
console_site.register_page("domains/<str:public_id>/", domain_detail, name="domain_detail")
console_site.register_page("domains/<str:public_id>/verify/", domain_verify, name="domain_verify")
console_site.register_page("domains/<str:public_id>/delete/", domain_delete, name="domain_delete")
console_site.register_page("audit-log/", audit_log, name="audit_log", nav_label="Audit log", nav_order=82)
console_site.register_page("settings/", org_settings, name="settings", nav_label="Settings", nav_order=90)
