"""One handler per SCIM endpoint and method: a ScimRequest in, a ScimResult out (endpoints.base).

The HTTP view (scim.protocol.views) and Bulk (endpoints.bulk) both call them through
endpoints.base.respond, so an operation inside a Bulk request runs exactly as its own request would.
"""
