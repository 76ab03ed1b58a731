"""The caller's organization, its members and invitations, and its domains."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from tenants import invitations, selectors, services

from .. import serializers as s
from ..pagination import PageParameters, keyset_page, page_response, page_serializer
from .base import ApiView


class OrganizationView(ApiView):
    @extend_schema(responses=s.OrganizationSerializer, tags=["organization"])
    def get(self, request):
        return Response(s.OrganizationSerializer(self.org).data)

    @extend_schema(request=s.OrganizationUpdateSerializer, responses=s.OrganizationSerializer, tags=["organization"],
                   description="Owners only (a read-write key with the owner role).")
    def patch(self, request):
        org = services.organization_update_policy(org=self.org, actor=self.actor,
                                                  **self.body(s.OrganizationUpdateSerializer))
        return Response(s.OrganizationSerializer(org).data)


class MemberList(ApiView):
    @extend_schema(operation_id="members_list", parameters=[PageParameters], responses=page_serializer(s.MemberSerializer), tags=["members"])
    def get(self, request):
        page = self.query(PageParameters)
        rows, next_cursor = keyset_page(selectors.org_members(org=self.org), ("created", "id"), **page)
        return page_response(request, s.MemberSerializer, rows, next_cursor)


class MemberDetail(ApiView):
    def _membership(self, member_id):
        return selectors.membership_by_public_id(org=self.org, public_id=member_id)

    @extend_schema(responses=s.MemberSerializer, tags=["members"])
    def get(self, request, member_id):
        return Response(s.MemberSerializer(self._membership(member_id)).data)

    @extend_schema(request=s.RoleChangeSerializer, responses=s.MemberSerializer, tags=["members"],
                   description="Only an owner grants, changes or removes the owner role.")
    def patch(self, request, member_id):
        membership = services.membership_change_role(org=self.org, actor=self.actor,
                                                     membership=self._membership(member_id),
                                                     role=self.body(s.RoleChangeSerializer)["role"])
        return Response(s.MemberSerializer(membership).data)

    @extend_schema(responses={204: None}, tags=["members"],
                   description="Removes the person from the organization (never their account).")
    def delete(self, request, member_id):
        services.membership_remove(org=self.org, actor=self.actor, membership=self._membership(member_id))
        return Response(status=204)


class InvitationList(ApiView):
    @extend_schema(operation_id="invitations_list", parameters=[PageParameters], responses=page_serializer(s.InvitationSerializer),
                   tags=["invitations"], description="Pending invitations, expired ones included.")
    def get(self, request):
        page = self.query(PageParameters)
        rows, next_cursor = keyset_page(selectors.org_pending_invitations(org=self.org), ("-created", "-id"), **page)
        return page_response(request, s.InvitationSerializer, rows, next_cursor)

    @extend_schema(request=s.InvitationCreateSerializer, responses={201: s.InvitationSerializer}, tags=["invitations"],
                   description="E-mails an invitation; the person joins only by accepting it.")
    def post(self, request):
        invitation = invitations.invitation_create(org=self.org, actor=self.actor,
                                                   **self.body(s.InvitationCreateSerializer))
        return Response(s.InvitationSerializer(invitation).data, status=201)


class InvitationDetail(ApiView):
    @extend_schema(responses=s.InvitationSerializer, tags=["invitations"])
    def get(self, request, invitation_id):
        invitation = selectors.invitation_by_public_id(org=self.org, public_id=invitation_id)
        return Response(s.InvitationSerializer(invitation).data)


def _invitation_action(service, summary: str):
    class InvitationAction(ApiView):
        @extend_schema(request=None, responses=s.InvitationSerializer, tags=["invitations"], summary=summary)
        def post(self, request, invitation_id):
            invitation = selectors.invitation_by_public_id(org=self.org, public_id=invitation_id)
            invitation = service(org=self.org, actor=self.actor, invitation=invitation)
            return Response(s.InvitationSerializer(invitation).data)

    InvitationAction.__name__ = InvitationAction.__qualname__ = f"Invitation{service.__name__.title()}"
    return InvitationAction


InvitationResend = _invitation_action(invitations.invitation_resend,
                                      "Send the invitation again (a new link; the earlier one stops working)")
InvitationRevoke = _invitation_action(invitations.invitation_revoke, "Revoke a pending invitation")


class DomainList(ApiView):
    @extend_schema(operation_id="domains_list", parameters=[PageParameters], responses=page_serializer(s.DomainSerializer), tags=["domains"])
    def get(self, request):
        page = self.query(PageParameters)
        rows, next_cursor = keyset_page(selectors.org_domains(org=self.org), ("name", "id"), **page)
        return page_response(request, s.DomainSerializer, rows, next_cursor)

    @extend_schema(request=s.DomainCreateSerializer, responses={201: s.DomainSerializer}, tags=["domains"],
                   description="Claims a domain; publish its DNS record or HTTPS file, then verify it.")
    def post(self, request):
        domain = services.domain_add(org=self.org, actor=self.actor, name=self.body(s.DomainCreateSerializer)["name"])
        return Response(s.DomainSerializer(domain).data, status=201)


class DomainDetail(ApiView):
    def _domain(self, domain_id):
        return selectors.domain_by_public_id(org=self.org, public_id=domain_id)

    @extend_schema(responses=s.DomainSerializer, tags=["domains"])
    def get(self, request, domain_id):
        return Response(s.DomainSerializer(self._domain(domain_id)).data)

    @extend_schema(responses={204: None}, tags=["domains"])
    def delete(self, request, domain_id):
        services.domain_remove(org=self.org, actor=self.actor, domain=self._domain(domain_id))
        return Response(status=204)


class DomainVerify(ApiView):
    @extend_schema(request=s.DomainVerifySerializer, responses=s.DomainSerializer, tags=["domains"],
                   summary="Verify now",
                   description="Looks for the DNS record or HTTPS file now. A failure leaves the status as it was "
                               "and says why in last_failure_reason.")
    def post(self, request, domain_id):
        domain = selectors.domain_by_public_id(org=self.org, public_id=domain_id)
        domain = services.domain_verify(org=self.org, actor=self.actor, domain=domain,
                                        method=self.body(s.DomainVerifySerializer)["method"])
        return Response(s.DomainSerializer(domain).data)
