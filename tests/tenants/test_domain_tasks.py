"""The daily re-verification: beat entry, fan-out, a doubled beat, and a real worker on Redis."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections
from django.utils import timezone

from config.celery import app as celery_app
from tenants import tasks
from tenants.domain_checks import dns_record_name, dns_record_value
from tenants.models import Domain
from tenants.scoping import all_orgs_scope, org_scope
from tests.factories import OrganizationFactory
from tests.outbox_relay import outbox_relay  # noqa: F401 (a fixture)

Status = Domain.Status
A_DAY_AGO = timedelta(hours=24, minutes=1)


def make_domain(org, name, status=Status.VERIFIED, last_checked_ago=A_DAY_AGO):
    with org_scope(org):
        now = timezone.now()
        return Domain.objects.create(
            org=org, name=name, token=name.split(".")[0].ljust(32, "0")[:32], status=status,
            verified_by_method="dns", date_last_verification=now - last_checked_ago, last_checked=now - last_checked_ago,
        )


def publish(dns_zone, domain):
    dns_zone[dns_record_name(domain.name)] = {"TXT": [dns_record_value(domain.token)]}


def reload(domain):
    with all_orgs_scope():
        return Domain.objects.get(pk=domain.pk)


def test_beat_runs_the_reverification_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["reverify-due-domains"]
    assert entry["task"] == tasks.reverify_due_domains.name
    assert entry["schedule"] == 3600.0


def test_due_verified_domains_of_every_org_are_rechecked(org, other_org, dns_zone, django_capture_on_commit_callbacks):
    passing = make_domain(org, "passing.example")
    publish(dns_zone, passing)
    failing = make_domain(other_org, "failing.example", status=Status.VERIFIED_UNCERTAIN)
    with org_scope(other_org):
        Domain.objects.filter(pk=failing.pk).update(uncertain_since=timezone.now() - timedelta(days=2))
    recent = make_domain(org, "recent.example", last_checked_ago=timedelta(hours=2))
    unverified = make_domain(org, "unverified.example", status=Status.UNVERIFIED)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reverify_due_domains.delay().get() == 2

    assert reload(passing).status == Status.VERIFIED
    assert reload(passing).last_checked > timezone.now() - timedelta(minutes=1)
    assert reload(failing).status == Status.VERIFIED_UNCERTAIN
    assert reload(recent).last_checked == recent.last_checked
    assert reload(unverified).last_checked == unverified.last_checked


def test_a_doubled_beat_checks_each_domain_once(org, dns_zone, _dns_server, django_capture_on_commit_callbacks):
    domains = [make_domain(org, f"d{n}.example") for n in range(5)]
    for domain in domains:
        publish(dns_zone, domain)
    resolver, _ = _dns_server
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.reverify_due_domains.delay().get()
        second = tasks.reverify_due_domains.delay().get()
    assert (first, second) == (5, 0)
    assert all(reload(domain).status == Status.VERIFIED for domain in domains)
    assert sorted(resolver.queries) == sorted(f"_idadmin.d{n}.example TXT" for n in range(5))


def test_the_fan_out_sends_chunks_not_one_task_with_every_domain(org, dns_zone, settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.DOMAIN_REVERIFICATION_CHUNK_SIZE = 2
    for n in range(5):
        make_domain(org, f"d{n}.example")
    chunks = []
    monkeypatch.setattr(tasks.reverify_domains, "apply_async", lambda kwargs: chunks.append(kwargs["pairs"]))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reverify_due_domains.delay()
    assert [len(pairs) for pairs in chunks] == [2, 2, 1]
    assert len({domain_id for pairs in chunks for domain_id, _org_id in pairs}) == 5


def test_reverifying_a_removed_domain_is_a_no_op(db):
    tasks.reverify_domain.delay(987654321).get()


@pytest.fixture
def real_worker(_dns_server):
    """A Celery worker thread consuming the test broker (Redis), with the tasks not run inline."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()

    def close_connections(**kwargs):
        connections.close_all()  # the worker thread's connections must not outlive the test database

    task_postrun.connect(close_connections, weak=False)
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=5):
        yield
    task_postrun.disconnect(close_connections)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_task_and_its_fan_out(dns_zone, real_worker, outbox_relay):
    org = OrganizationFactory(name="Acme")
    verified = make_domain(org, "kept.example")
    publish(dns_zone, verified)
    lapsing = make_domain(org, "lapsing.example")

    tasks.reverify_due_domains.apply_async()

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and reload(lapsing).status != Status.VERIFIED_UNCERTAIN:
        time.sleep(0.2)
    assert reload(lapsing).status == Status.VERIFIED_UNCERTAIN
    assert "NXDOMAIN" in reload(lapsing).last_failure_reason
    assert reload(verified).status == Status.VERIFIED


def test_no_lapse_email_for_a_domain_verified_again_before_it_was_sent(org, owner):
    from django.core import mail

    domain = make_domain(org, "back.example")
    tasks.send_domain_lapsed_email.delay(domain_id=domain.pk, org_id=org.pk)
    assert mail.outbox == []
