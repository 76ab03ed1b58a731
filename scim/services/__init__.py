"""Every write to the SCIM directory, one module per thing written: users, groups, the provisioning log.

Services are `<entity>_<action>(*, org, actor, ...)`, bound to their org (@org_bound), atomic, and
raise domain errors only (tenants.errors, django.core.exceptions.ValidationError).
"""
