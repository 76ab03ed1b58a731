import json

from django.core.management import call_command

from oauthapps import scopes

from .conftest import principal_for
from .test_oauth_refusals import client_credentials


def seeded(capsys):
    call_command("seed_demo", "--json")
    return json.loads(capsys.readouterr().out)["oauth"]


def test_seed_demo_prints_working_oauth_apps_and_a_scim_token(client, db, capsys, settings):
    from oauthapps.models import Application
    from tenants.scoping import all_orgs_scope

    first = seeded(capsys)
    demo = seeded(capsys)  # again: new secrets, nothing duplicated, the old secret stops
    assert demo["token_url"] == settings.PUBLIC_BASE_URL + "/oauth/v2/token"
    assert demo["authorize_url"] == settings.PUBLIC_BASE_URL + "/oauth/v2/authorize"
    assert demo["scim_base_url"] == settings.PUBLIC_BASE_URL + "/scim/v2"
    assert demo["authorization_code_app"]["redirect_uri"] == "http://127.0.0.1:8765/callback"
    with all_orgs_scope():
        assert Application.objects.count() == 2
        entra = Application.objects.get(client_id=demo["client_credentials_app"]["client_id"])
    assert client_credentials(client, entra, demo["client_credentials_app"]["client_secret"])[0].status_code == 200
    assert client_credentials(client, entra, first["client_credentials_app"]["client_secret"])[0].status_code == 401
    assert principal_for(demo["scim_token"]["token"]).scopes == set(scopes.MANAGED_USERS)
