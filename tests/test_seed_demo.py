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
    """`make run`'s own environment (SQLite, no broker, DEBUG): every system check passes there too, and
    SCIM answers."""
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

    # SCIM on SQLite: the reads whose SQL differs from PostgreSQL's (e-mails and groups as JSON, a page of
    # userName prefix matches by id, the count by id buckets).
    done = subprocess.run([*manage, "shell", "-c", SCIM_ON_THE_DEMO_DATABASE], cwd=repo, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "prefix": [2, ["pat.one", "pat.two"], [["pat.one@acme.example"], ["pat.two@acme.example"]]],
        "all": 3, "one": ["pat.two", [{"value": "pat.two@acme.example", "primary": True}], ["Engineering"]],
        "patched": [204, ["sam.three"], 200, [False, "Pat One"]],
    }
    assert '"primary":true' in done.stdout  # a JSON boolean, not SQLite's 1 (which == True in Python)


SCIM_ON_THE_DEMO_DATABASE = """
import json
from django.test import Client
from oauthapps.services import scim_token_create
from oauthapps import scopes
from tenants.audit import Actor
from tenants.models import Organization
from tenants.scoping import org_scope

org = Organization.objects.get(name="Acme")
with org_scope(org):
    _token, raw = scim_token_create(org=org, actor=Actor.system("test"), name="SQLite check",
                                    scopes=list(scopes.MANAGED_USERS))
scim = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="localhost")  # DEBUG allows localhost
created = {}
for name in ("pat.one", "pat.two", "sam.three"):
    user = {"userName": name, "emails": [{"value": f"{name}@acme.example", "primary": True}]}
    created[name] = scim.post("/scim/v2/Users", json.dumps(user), content_type="application/scim+json").json()["id"]
group = {"displayName": "Engineering", "members": [{"value": created["pat.two"]}]}
assert scim.post("/scim/v2/Groups", json.dumps(group), content_type="application/scim+json").status_code == 201
prefix = scim.get("/scim/v2/Users", {"filter": 'userName sw "PAT."', "count": "10"}).json()
everyone = scim.get("/scim/v2/Users", {"count": "1"}).json()
one = scim.get(f"/scim/v2/Users/{created['pat.two']}").json()
# The prepared statements of a member PATCH (a list of ids as one parameter) and of a user PATCH, on SQLite.
group_id = scim.get("/scim/v2/Groups").json()["Resources"][0]["id"]
members = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
    {"op": "remove", "path": f'members[value eq "{created["pat.two"]}"]'},
    {"op": "add", "path": "members", "value": [{"value": created["sam.three"]}]}]}
member_patch = scim.patch(f"/scim/v2/Groups/{group_id}", json.dumps(members), content_type="application/scim+json")
group_members = json.loads(b"".join(scim.get(f"/scim/v2/Groups/{group_id}").streaming_content))["members"]
user_change = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
    {"op": "replace", "value": {"active": False, "displayName": "Pat One"}}]}
user_patch = scim.patch(f"/scim/v2/Users/{created['pat.one']}", json.dumps(user_change),
                        content_type="application/scim+json")
pat_one = scim.get(f"/scim/v2/Users/{created['pat.one']}").json()
print(json.dumps({
    "prefix": [prefix["totalResults"], [user["userName"] for user in prefix["Resources"]],
               [[email["value"] for email in user["emails"]] for user in prefix["Resources"]]],
    "all": everyone["totalResults"],
    "one": [one["userName"], one["emails"], [group["display"] for group in one["groups"]]],
    "patched": [member_patch.status_code, [member["display"] for member in group_members], user_patch.status_code,
                [pat_one["active"], pat_one["displayName"]]],
}, separators=(",", ":")))
"""
