"""Side effects go through the transactional outbox and the effect ledger (tenants/effects.py) and are
delivered once. The outage runs with a real relay, broker and worker are in tests/faults/."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from celery import Celery
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone
from django_celery_outbox.models import CeleryOutbox

from config.celery import app as celery_app
from scim.tasks import send_welcome_email
from tenants import invitations
from tenants.audit import Actor
from tenants.effects import effects_redeliver
from tenants.models import Effect
from tenants.scoping import org_scope
from tests.scim.conftest import open_org


@pytest.fixture
def outbox_mode(monkeypatch):
    """Tasks are outbox rows as in production (not run inline), and any contact with the broker fails
    the test: a write must never wait on it."""
    celery_app.conf.task_always_eager = False

    def broker_contacted(*args, **kwargs):
        raise AssertionError("the broker was contacted during a write")

    monkeypatch.setattr(Celery, "send_task", broker_contacted)


def test_an_invitation_commits_its_email_as_an_outbox_row_and_a_pending_effect_without_the_broker(
        org, owner, outbox_mode):
    invitation = invitations.invitation_create(org=org, actor=Actor.member(owner), email="new@acme.example",
                                               role="admin")
    [row] = CeleryOutbox.objects.all()
    [effect] = Effect.objects.all()
    kwargs = {"invitation_id": invitation.pk, "org_id": org.pk}
    assert (row.task_name, row.kwargs) == ("tenants.tasks.send_invitation_email", kwargs)
    assert (effect.key, effect.task, effect.kwargs, effect.done) == (row.task_id, row.task_name, kwargs, None)


def test_a_write_that_rolls_back_leaves_no_effect(org, owner, outbox_mode):
    with pytest.raises(RuntimeError), transaction.atomic():
        invitations.invitation_create(org=org, actor=Actor.member(owner), email="new@acme.example", role="admin")
        raise RuntimeError("the caller fails after the service")
    assert not CeleryOutbox.objects.exists() and not Effect.objects.exists()


def welcome_setup():
    from scim.models import ScimUser, ScimUserEmail

    org = open_org("Acme outbox")
    with org_scope(org):
        user = ScimUser.objects.create(org=org, user_name="ann@example.com")
        ScimUserEmail.objects.create(org=org, user=user, value="ann@example.com", primary=True)
    return org, user


def test_a_redelivered_effect_is_performed_once(db):
    org, user = welcome_setup()
    for _ in range(3):  # the relay published twice, then the broker redelivered
        send_welcome_email.apply(kwargs={"user_id": user.pk, "org_id": org.pk}, task_id="effect-1").get()
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    assert Effect.objects.get(key="effect-1", task=send_welcome_email.name).done is not None


def test_a_failed_delivery_stays_pending_and_is_sent_again(db, monkeypatch):
    org, user = welcome_setup()
    Effect.objects.create(key="effect-2", task=send_welcome_email.name, kwargs={"user_id": user.pk, "org_id": org.pk},
                          sent=timezone.now() - timedelta(minutes=10))
    monkeypatch.setattr(mail.get_connection().__class__, "send_messages",
                        lambda self, messages: (_ for _ in ()).throw(OSError("mail server down")))
    with pytest.raises(OSError):
        send_welcome_email.apply(kwargs={"user_id": user.pk, "org_id": org.pk}, task_id="effect-2").get()
    assert Effect.objects.get(key="effect-2").done is None
    monkeypatch.undo()

    assert effects_redeliver(now=timezone.now(), after=timedelta(minutes=5)) == 1  # eager: runs it here
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    assert Effect.objects.get(key="effect-2").done is not None
    assert effects_redeliver(now=timezone.now(), after=timedelta(minutes=5)) == 0


def test_redelivery_goes_through_the_outbox_with_the_same_key_and_skips_recent_and_done_effects(db, outbox_mode):
    now = timezone.now()
    Effect.objects.create(key="stale", task=send_welcome_email.name, kwargs={"user_id": 1, "org_id": 1},
                          sent=now - timedelta(minutes=10))
    Effect.objects.create(key="recent", task=send_welcome_email.name, sent=now - timedelta(minutes=1))
    Effect.objects.create(key="done", task=send_welcome_email.name, sent=now - timedelta(minutes=10), done=now)
    assert effects_redeliver(now=now, after=timedelta(minutes=5)) == 1
    [row] = CeleryOutbox.objects.all()
    assert (row.task_id, row.task_name, row.kwargs) == ("stale", send_welcome_email.name, {"user_id": 1, "org_id": 1})
    assert Effect.objects.get(key="stale").sent == now


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_deliver_once(monkeypatch):
    org, user = welcome_setup()
    sent, entered = [], threading.Barrier(4)
    original_send = mail.get_connection().__class__.send_messages

    def slow_send(self, messages):
        sent.extend(messages)
        return original_send(self, messages)

    monkeypatch.setattr(mail.get_connection().__class__, "send_messages", slow_send)

    def deliver():
        entered.wait()
        try:
            send_welcome_email.apply(kwargs={"user_id": user.pk, "org_id": org.pk}, task_id="effect-3").get()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [m.to for m in sent] == [["ann@example.com"]]


def test_an_effect_of_a_task_that_no_longer_exists_is_skipped_not_fatal(db, outbox_mode):
    now = timezone.now()
    Effect.objects.create(key="gone", task="tenants.tasks.send_a_task_since_removed", sent=now - timedelta(minutes=10))
    Effect.objects.create(key="kept", task=send_welcome_email.name, kwargs={"user_id": 1, "org_id": 1},
                          sent=now - timedelta(minutes=9))
    assert effects_redeliver(now=now, after=timedelta(minutes=5)) == 1
    assert list(CeleryOutbox.objects.values_list("task_id", flat=True)) == ["kept"]
