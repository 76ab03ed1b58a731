"""The tenants app's console pages: overview and members."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from . import selectors, services
from .console_site import console_site
from .models import Membership


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    display_name = forms.CharField(label="Name", max_length=150, required=False)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


def render_page(request, template, title, **context):
    return TemplateResponse(request, template, {**console_site.each_context(request), "title": title, **context})


def overview(request):
    members = selectors.org_members(request.org)
    return render_page(
        request,
        "console/overview.html",
        "Overview",
        member_count=members.count(),
        administrators=selectors.org_administrators(request.org),
    )


def members(request, invite_form=None):
    memberships = selectors.org_members(request.org)
    return render_page(
        request,
        "console/members.html",
        "Members",
        memberships=[(membership, RoleForm(initial={"role": membership.role})) for membership in memberships],
        invite_form=invite_form or InviteForm(),
    )


def _apply(request, service, **kwargs):
    """Run a membership service; its refusals become messages rather than error pages."""
    try:
        service(org=request.org, actor=request.user, **kwargs)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
        return False
    return True


@require_POST
def member_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        return members(request, invite_form=form)
    email = form.cleaned_data["email"]
    if _apply(request, services.membership_invite, email=email, role=form.cleaned_data["role"],
              display_name=form.cleaned_data["display_name"]):
        messages.success(request, f"Added {email}; an invitation e-mail is on its way.")
    return redirect("console:members")


def _membership(request, public_id) -> Membership:
    try:
        return selectors.membership_by_public_id(request.org, public_id)
    except Membership.DoesNotExist:
        raise Http404("No such member.")


@require_POST
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
        return render_page(request, "console/member_remove.html", "Remove member", membership=membership)
    if _apply(request, services.membership_remove, membership=membership):
        messages.success(request, f"Removed {membership.user.email} from {request.org.name}.")
        if membership.user_id == request.user.pk:
            return redirect("console:choose_org")
    return redirect("console:members")


console_site.register_page("", overview, name="overview", nav_label="Overview", nav_order=0)
console_site.register_page("members/", members, name="members", nav_label="Members", nav_order=10)
console_site.register_page("members/invite/", member_invite, name="member_invite")
console_site.register_page("members/<str:public_id>/role/", member_change_role, name="member_change_role")
console_site.register_page("members/<str:public_id>/remove/", member_remove, name="member_remove")
