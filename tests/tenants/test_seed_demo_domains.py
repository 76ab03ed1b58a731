import json

from django.core.management import call_command

from tenants.models import Domain, Organization
from tenants.scoping import org_scope


def seed(capsys):
    call_command("seed_demo", "--json")
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_the_debug_demo_gets_acme_example_verified_and_stays_idempotent(db, capsys, settings):
    settings.DEBUG = True
    seed(capsys)
    seeded, _ = seed(capsys)
    assert seeded["domains"] == [{"name": "acme.example", "status": "verified"}]
    with org_scope(Organization.objects.get(name="Acme")):
        assert Domain.objects.get().status == Domain.Status.VERIFIED


def test_under_production_settings_the_shortcut_is_refused(db, capsys, settings):
    settings.DEBUG = False
    seeded, err = seed(capsys)
    assert seeded["domains"] == [{"name": "acme.example", "status": "unverified"}]
    assert "only for the DEBUG demo" in err
    seeded, _ = seed(capsys)
    assert seeded["domains"] == [{"name": "acme.example", "status": "unverified"}]
