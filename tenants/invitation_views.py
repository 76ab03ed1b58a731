"""The invited person's pages: "Your invitations" (signed in, no org needed) and the e-mail's link.

The link is the only way in for someone without an account: it lets them choose a password, which
accepts the invitation. Someone who can already sign in is sent to sign in and answer on "Your
invitations", so a link never sets the password of an existing account.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from accounts.models import User

from . import invitations, selectors
from .console_site import console_site
from .middleware import SESSION_ORG_KEY, client_address
from .scoping import org_scope

ANSWERS = {"accept": invitations.invitation_accept, "decline": invitations.invitation_decline}


def your_invitations(request):
    """The signed-in person's open invitations, each to accept or decline."""
    open_invitations = selectors.open_invitations_of_user(user=request.user)
    if request.method == "POST":
        answer = ANSWERS.get(request.POST.get("answer", ""))
        invitation = open_invitations.filter(public_id=request.POST.get("invitation", "")).first()
        if answer is None or invitation is None:
            raise Http404("No such invitation.")
        try:
            # The request may be in the scope of an org the person already manages; answering is
            # about the invitation's org, and the invitation is the person's own row.
            with org_scope(invitation.org):
                answer(org=invitation.org, actor=request.actor, invitation=invitation)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
            return redirect("console:invitations")
        if answer is invitations.invitation_decline:
            messages.success(request, f"Declined the invitation to {invitation.org.name}.")
            return redirect("console:invitations")
        request.session[SESSION_ORG_KEY] = invitation.org.public_id
        messages.success(request, f"You joined {invitation.org.name}.")
        return redirect("console:index")
    context = {**console_site.each_context(request), "title": "Your invitations", "invitations": open_invitations}
    return TemplateResponse(request, "console/invitations.html", context)


def _invalid(request):
    return TemplateResponse(request, "accounts/invitation_invalid.html", {"title": "Invitation not valid"}, status=404)


@never_cache
def invitation_link(request, token):
    """The e-mail's link: choose a password (no account yet), or sign in and answer."""
    invitation = selectors.invitation_for_token(token=token)
    if invitation is None or not invitation.is_open:
        return _invalid(request)
    account = User.objects.filter(email=invitation.email).first()
    if account is not None and (account.has_usable_password() or not account.is_active):
        if request.user.is_authenticated and request.user.pk == account.pk:
            return redirect("console:invitations")
        sign_in = reverse("console:login") + "?" + urlencode({"next": reverse("console:invitations")})
        return TemplateResponse(request, "accounts/invitation_sign_in.html",
                                {"title": f"Join {invitation.org.name}", "invitation": invitation, "sign_in": sign_in})
    form = SetPasswordForm(account or User(email=invitation.email), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with org_scope(invitation.org):
                membership = invitations.invitation_accept_with_new_password(
                    org=invitation.org, invitation=invitation, password=form.cleaned_data["new_password1"],
                    address=client_address(request))
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            login(request, membership.user, backend="accounts.backends.EmailBackend")
            request.session[SESSION_ORG_KEY] = invitation.org.public_id
            return redirect("console:index")
    return TemplateResponse(request, "accounts/invitation_set_password.html",
                            {"title": f"Join {invitation.org.name}", "invitation": invitation, "form": form})

