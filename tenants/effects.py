"""Exactly once per side effect, on the worker's side of the outbox (config.celery.enqueue_effect).

The relay and the broker deliver at least once; `deliver_once` claims the effect's idempotency key (the
outbox message's task id) in the same transaction that performs the effect. A concurrent duplicate
waits on the first claim's unique key and then finds it taken; a delivery that fails (the mail server
is down) rolls its claim back with it, so the retry delivers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from .models import DeliveredEffect

log = logging.getLogger(__name__)


@contextmanager
def deliver_once(task) -> Iterator[bool]:
    """`with deliver_once(self) as first:` in a bound task; perform the effect only if `first`."""
    key = task.request.id
    with transaction.atomic():
        _claim, first = DeliveredEffect.objects.get_or_create(key=key, defaults={"task": task.name})
        if not first:
            log.info("%s %s already delivered: duplicate skipped", task.name, key)
        yield first
