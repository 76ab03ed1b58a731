import logging
import os

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("idadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits.

    A broker outage is logged, never raised: the write that asked for the side effect has already
    committed and must not fail because of it (DESIGN.md invariant 6).
    """

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            log.exception("could not enqueue task %s", task.name)

    transaction.on_commit(send)
