"""Side effects of writes (e-mails, re-checks), delivered exactly once whatever the broker does.

Two layers (DESIGN.md invariant 6):
- The transactional outbox (django-celery-outbox, config.celery): `enqueue_effect` turns the task into
  an outbox row in the writer's transaction; the relay publishes it after commit and keeps trying while
  the broker is away. A write never waits on the broker.
- The effect ledger, for tasks built on `EffectTask` (e-mails): an `Effect` row written with the outbox
  row, keyed by the message's task id (the idempotency key). The task performs the effect and marks
  the row done in one transaction, so a message the relay published twice or the broker redelivered
  does nothing the second time. A message the broker lost (Redis stopped between handing it to a
  worker and recording it as unacknowledged) or a delivery that failed (a mail server down) leaves the
  row pending, and `effects_redeliver` sends it again.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

from celery import Task
from celery.exceptions import Reject
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.celery import app
from config.errors import DATABASE_UNAVAILABLE

from .models import Effect

log = logging.getLogger(__name__)

# A pending effect older than this is given up (and logged as an error): a week of redeliveries.
EFFECT_ABANDONED_AFTER = timedelta(days=7)


class EffectTask(Task):
    """A task whose run is an effect on the world (an e-mail): performed once per `Effect`.

    A database outage puts the message back on the queue after a pause instead of failing it; any
    other failure leaves the effect pending for `effects_redeliver`.
    """

    def __call__(self, *args, **kwargs):
        key = self.request.id or uuid.uuid4().hex
        try:
            with transaction.atomic():
                # Locked as read (or as inserted): a concurrent duplicate waits here until this one ends.
                effect, _ = Effect.objects.select_for_update().get_or_create(
                    key=key, defaults={"task": self.name, "kwargs": kwargs})
                if effect.done is not None:
                    log.info("%s %s already done: duplicate delivery skipped", self.name, key)
                    return None
                result = super().__call__(*args, **kwargs)
                effect.done = timezone.now()
                effect.save(update_fields=["done"])
                return result
        except DATABASE_UNAVAILABLE as error:
            if self.request.is_eager:
                raise
            log.warning("%s %s: the database is unavailable (%s); back on the queue in %s s", self.name, key,
                        type(error).__name__, settings.EFFECT_DATABASE_PAUSE_SECONDS)
            time.sleep(settings.EFFECT_DATABASE_PAUSE_SECONDS)
            raise Reject(str(error), requeue=True) from error


def enqueue_effect(task: Task, **kwargs) -> None:
    """Ask for a side effect of the write in progress: `task` with `kwargs` (ids only), once it commits."""
    if app.conf.task_always_eager:
        # The demo and the tests have no broker and no relay: the effect runs once the write commits.
        transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
        return
    key = uuid.uuid4().hex
    if isinstance(task, EffectTask):
        Effect.objects.create(key=key, task=task.name, kwargs=kwargs)
    task.apply_async(kwargs=kwargs, task_id=key)  # OutboxCelery: an outbox row in this transaction


def effects_redeliver(*, now: datetime, after: timedelta, batch: int = 500) -> int:
    """Send again the effects still pending `after` their last message; returns how many were sent.

    Across every org: relay bookkeeping. SKIP LOCKED passes over effects a worker is performing now.
    """
    with transaction.atomic():
        pending = list(Effect.objects.select_for_update(skip_locked=True)
                       .filter(done__isnull=True, sent__lt=now - after, created__gte=now - EFFECT_ABANDONED_AFTER)
                       .order_by("sent")[:batch])
        sent = 0
        for effect in pending:
            task = app.tasks.get(effect.task)
            if task is None:  # renamed or removed since: nothing can perform it; pruned with the rest
                log.error("%s %s pending, but no such task exists any more", effect.task, effect.key)
                continue
            log.warning("%s %s still pending after %s: sending it again", effect.task, effect.key, now - effect.sent)
            task.apply_async(kwargs=effect.kwargs, task_id=effect.key)
            sent += 1
        Effect.objects.filter(pk__in=[effect.pk for effect in pending]).update(sent=now)
    return sent


def effects_prune(*, now: datetime) -> int:
    """Forget effects done or abandoned a week ago (longer than any redelivery)."""
    abandoned = Effect.objects.filter(done__isnull=True, created__lt=now - EFFECT_ABANDONED_AFTER)
    for effect in abandoned[:100]:
        log.error("%s %s abandoned: not done after %s", effect.task, effect.key, EFFECT_ABANDONED_AFTER)
    deleted, _ = Effect.objects.filter(created__lt=now - EFFECT_ABANDONED_AFTER).delete()
    return deleted
