"""Discovery endpoints (RFC 7644 §4): no credential needed, nothing about any org revealed."""

from __future__ import annotations

from .. import discovery
from ..errors import ScimError, not_found
from .base import Endpoint, ScimRequest, ScimResult, list_response


class ServiceProviderConfig(Endpoint):
    operations = {"GET": None}

    def get(self, request: ScimRequest) -> ScimResult:
        return ScimResult(200, discovery.service_provider_config())


class DiscoveryCollection(Endpoint):
    """A ListResponse of discovery documents, or one of them by id (case-insensitive)."""

    operations = {"GET": None}

    def documents(self) -> list[dict]:
        raise NotImplementedError

    def get(self, request: ScimRequest) -> ScimResult:
        documents = self.documents()
        document_id = request.kwargs.get("document_id")
        if document_id is None:
            return ScimResult(200, list_response(documents))
        document = next((doc for doc in documents if doc["id"].lower() == document_id.lower()), None)
        if document is None:
            raise not_found(document_id)
        return ScimResult(200, document)


class Schemas(DiscoveryCollection):
    def documents(self) -> list[dict]:
        return discovery.schema_documents()


class ResourceTypes(DiscoveryCollection):
    def documents(self) -> list[dict]:
        return discovery.resource_type_documents()


class RootSearch(Endpoint):
    """POST /.search across resource types (RFC 7644 §3.4.3) isn't offered: 501, as the RFC allows."""

    operations = {"POST": None}

    def post(self, request: ScimRequest) -> ScimResult:
        raise ScimError(501, "Search at the service root is not supported; use POST /Users/.search.")
