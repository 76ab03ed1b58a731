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


def test_the_sqlite_demo_migrates_and_seeds_as_make_run_does(tmp_path):
    """`make run`'s own environment (SQLite, no broker, DEBUG): every system check passes there too."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", CELERY_BROKER_URL="")
    manage = [sys.executable, "manage.py"]
    repo = Path(__file__).resolve().parents[1]
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        done = subprocess.run([*manage, *command], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "Demo org Acme" in done.stdout
