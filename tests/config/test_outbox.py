"""Side effects go through the transactional outbox (config.celery.enqueue_effect) and are delivered once
(tenants.effects.deliver_once). The broker-outage run with a real relay and worker is in
tests/faults/test_broker_outage.py."""

from __future__ import annotations

import threading

import pytest
from celery import Celery
from django.core import mail
from django.db import connections, transaction
from django_celery_outbox.models import CeleryOutbox

from config.celery import app as celery_app
from scim.tasks import send_welcome_email
from tenants import invitations
from tenants.audit import Actor
from tenants.models import DeliveredEffect
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


def test_an_invitation_commits_its_email_as_an_outbox_row_without_the_broker(org, owner, outbox_mode):
    invitation = invitations.invitation_create(org=org, actor=Actor.member(owner), email="new@acme.example",
                                               role="admin")
    [row] = CeleryOutbox.objects.all()
    assert (row.task_name, row.kwargs) == ("tenants.tasks.send_invitation_email",
                                           {"invitation_id": invitation.pk, "org_id": org.pk})


def test_a_write_that_rolls_back_leaves_no_effect(org, owner, outbox_mode):
    with pytest.raises(RuntimeError), transaction.atomic():
        invitations.invitation_create(org=org, actor=Actor.member(owner), email="new@acme.example", role="admin")
        raise RuntimeError("the caller fails after the service")
    assert not CeleryOutbox.objects.exists()


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
    assert DeliveredEffect.objects.filter(key="effect-1", task=send_welcome_email.name).exists()


def test_a_failed_delivery_releases_its_key_so_the_retry_delivers(db, monkeypatch):
    org, user = welcome_setup()
    monkeypatch.setattr(mail.get_connection().__class__, "send_messages",
                        lambda self, messages: (_ for _ in ()).throw(OSError("mail server down")))
    with pytest.raises(OSError):
        send_welcome_email.apply(kwargs={"user_id": user.pk, "org_id": org.pk}, task_id="effect-2",
                                 retries=send_welcome_email.max_retries).get()
    assert not DeliveredEffect.objects.filter(key="effect-2").exists()
    monkeypatch.undo()
    send_welcome_email.apply(kwargs={"user_id": user.pk, "org_id": org.pk}, task_id="effect-2").get()
    assert len(mail.outbox) == 1


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
