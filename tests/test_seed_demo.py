import json

from django.core.management import call_command

from accounts.models import User
from tenants.models import Membership, Organization
from tenants.scoping import org_scope


def run_seed_demo(capsys):
    call_command("seed_demo", "--json")
    return json.loads(capsys.readouterr().out)


def test_seed_demo_is_idempotent_and_prints_json(db, capsys):
    first = run_seed_demo(capsys)
    second = run_seed_demo(capsys)
    assert Organization.objects.filter(name="Acme").count() == 1
    assert User.objects.filter(email="demo@acme.example").count() == 1
    assert first["organization"] == second["organization"]
    assert first["organization"]["id"].startswith("OR") and len(first["organization"]["id"]) == 34
    assert second["console_url"].endswith("/console/")

    owner = User.objects.get(email="demo@acme.example")
    assert owner.check_password(second["owner"]["password"])
    org = Organization.objects.get(name="Acme")
    with org_scope(org):
        assert Membership.objects.get(user=owner).role == Membership.Role.OWNER


def test_demo_owner_can_sign_in(client, db, capsys):
    seeded = run_seed_demo(capsys)
    response = client.post(
        "/console/login/", {"username": seeded["owner"]["email"], "password": seeded["owner"]["password"]}, follow=True
    )
    assert response.context["org"].public_id == seeded["organization"]["id"]
