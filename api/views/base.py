"""The base of every management API view: an API key authenticates, the org is the key's, the
request is rate limited per key and per org, and the handler runs inside that org's scope."""

from __future__ import annotations

from contextlib import ExitStack

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from tenants.errors import NotFound
from tenants.rate_limits import enforce_api_limits
from tenants.scoping import org_scope

from ..authentication import ApiKeyAuthentication
from ..permissions import KeyAccess


class ApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [KeyAccess]
    parser_classes = [JSONParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticates and checks the key's access
        enforce_api_limits(org=self.org, credential=request.user.key.public_id)
        self._scope = ExitStack()
        self._scope.enter_context(org_scope(self.org))

    def finalize_response(self, request, response, *args, **kwargs):
        scope = getattr(self, "_scope", None)
        if scope is not None:
            scope.close()
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def org(self):
        return self.request.user.org

    @property
    def actor(self):
        return self.request.user.actor

    def query(self, serializer_class) -> dict:
        """The query string's filters, checked for shape (400 names what was wrong)."""
        filters = serializer_class(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.validated_data

    def body(self, serializer_class, *, partial: bool = False) -> dict:
        data = serializer_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return data.validated_data


@extend_schema(exclude=True)
class UnknownEndpoint(APIView):
    """Any other path under /api/: a problem-details 404, like every other error of the API."""

    authentication_classes = []
    permission_classes = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound("No such endpoint.")

    def get(self, request, *args, **kwargs):
        raise NotFound("No such endpoint.")

    post = put = patch = delete = get
