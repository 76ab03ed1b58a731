"""The peer of `python -m bench compare`: stock django-scim2 0.23.0 in a minimal Django project.

Integrated as its documentation describes: django_scim in INSTALLED_APPS, django_scim.urls under
/scim/v2/, SCIM_SERVICE_PROVIDER settings, adapters subclassing django_scim.adapters.SCIMUser and
SCIMGroup. Bench-only: it exists to be measured against, never deployed.
"""
