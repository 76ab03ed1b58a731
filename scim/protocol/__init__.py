"""SCIM 2.0 (RFC 7643/7644) over the directory: the protocol an IdP speaks, and nothing else.

- urls, views: the HTTP side (credential -> Principal, scope, org scope, SCIM errors, provisioning log);
- endpoints: one handler per endpoint and method, on a ScimRequest -> ScimResult, shared by the HTTP
  view and Bulk;
- resources: SCIM JSON <-> the directory's values and rows; filters, patch: RFC 7644's languages;
- discovery: ServiceProviderConfig, Schemas, ResourceTypes; locations: the URLs resources carry.

Imports point one way: scim.protocol -> scim (the directory) -> tenants. The directory never
imports from here (tests/scim/test_layers.py).
"""
