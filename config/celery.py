import os

from celery.app.task import Task
from django.db import transaction
from django_celery_outbox import OutboxCelery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every send becomes a row in the transactional outbox (django-celery-outbox), written in the caller's
# transaction; `manage.py celery_outbox_relay` publishes the rows to the broker after commit and keeps
# retrying while the broker is away (DESIGN.md invariant 6).
app = OutboxCelery("idadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_effect(task: Task, **kwargs) -> None:
    """Ask for a side effect (an e-mail, a re-check) of the write in progress.

    The request is an outbox row in the caller's transaction: it exists exactly when the write commits,
    the broker is not contacted (an outage cannot slow or fail the write), and the task id the row
    carries is the effect's idempotency key (`tenants.effects.deliver_once`).
    """
    if app.conf.task_always_eager:
        # The demo and the tests have no broker and no relay: the effect runs once the write commits.
        transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
    else:
        task.apply_async(kwargs=kwargs)
