import os

from django_celery_outbox import OutboxCelery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every send becomes a row in the transactional outbox (django-celery-outbox), written in the caller's
# transaction; `manage.py celery_outbox_relay` publishes the rows to the broker after commit and keeps
# retrying while the broker is away (DESIGN.md invariant 6; tenants/effects.py).
app = OutboxCelery("idadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

