"""The directory the org's IdP provisions, and the org's logs: read-only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from scim import selectors as directory
from tenants import selectors as tenants

from .. import serializers as s
from ..pagination import decode_cursor, encode_cursor, keyset_page, page_response, page_serializer
from .base import ApiView


class UserList(ApiView):
    @extend_schema(operation_id="directory_users_list", parameters=[s.UserFilters], responses=page_serializer(s.DirectoryUserSerializer),
                   tags=["directory"], description="Users by userName (case-insensitive).")
    def get(self, request):
        filters = self.query(s.UserFilters)
        after = decode_cursor(filters["cursor"])
        rows, next_key = directory.directory_users_page(
            org=self.org, query=filters["q"], active=filters["active"], size=filters["limit"],
            after=after if isinstance(after, str) else "",
        )
        return page_response(request, s.DirectoryUserSerializer, rows, encode_cursor(next_key) if next_key else None)


class UserDetail(ApiView):
    @extend_schema(responses=s.DirectoryUserSerializer, tags=["directory"])
    def get(self, request, user_id):
        return Response(s.DirectoryUserSerializer(directory.directory_user(org=self.org, public_id=user_id)).data)


class GroupList(ApiView):
    @extend_schema(operation_id="directory_groups_list", parameters=[s.GroupFilters], responses=page_serializer(s.DirectoryGroupSerializer),
                   tags=["directory"], description="Groups by displayName, with their member counts.")
    def get(self, request):
        filters = self.query(s.GroupFilters)
        rows, next_cursor = keyset_page(directory.directory_groups(org=self.org, query=filters["q"]),
                                        ("display_name", "id"), filters["cursor"], filters["limit"])
        return page_response(request, s.DirectoryGroupSerializer, rows, next_cursor)


class GroupDetail(ApiView):
    @extend_schema(responses=s.DirectoryGroupSerializer, tags=["directory"])
    def get(self, request, group_id):
        return Response(s.DirectoryGroupSerializer(directory.directory_group(org=self.org, public_id=group_id)).data)


class ProvisioningLog(ApiView):
    @extend_schema(parameters=[s.ProvisioningFilters], responses=page_serializer(s.ProvisioningEventSerializer),
                   tags=["logs"], description="The SCIM requests the org's IdP made, newest first.")
    def get(self, request):
        filters = self.query(s.ProvisioningFilters)
        events = directory.provisioning_events(org=self.org, status=filters["status"], method=filters["method"],
                                               query=filters["q"])
        rows, next_cursor = keyset_page(events, ("-created", "-id"), filters["cursor"], filters["limit"])
        return page_response(request, s.ProvisioningEventSerializer, rows, next_cursor)


class AuditLog(ApiView):
    @extend_schema(parameters=[s.AuditFilters], responses=page_serializer(s.AuditEventSerializer), tags=["logs"],
                   description="Who did what to the organization, newest first.")
    def get(self, request):
        filters = self.query(s.AuditFilters)
        events = tenants.audit_events(org=self.org, actor_kind=filters["actor_kind"],
                                      actor_label=filters["actor_label"], action=filters["action"])
        rows, next_cursor = keyset_page(events, ("-created", "-id"), filters["cursor"], filters["limit"])
        return page_response(request, s.AuditEventSerializer, rows, next_cursor)
