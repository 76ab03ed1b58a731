"""scim2-tester (a public SCIM compliance checker) against a live server, on Users and discovery.

It speaks HTTP to pytest-django's live_server through requests (scim2-client's own network engine
needs httpx2, which this project doesn't install), with a credential of an org whose policy allows
any e-mail domain, since the checker invents addresses at random domains.
"""

import pytest
import requests
from scim2_client.engines.inprocess import InProcessResponse, _prepare_request
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_models import ScimProvider
from scim2_tester import Status, check_server
from wsgiref.headers import Headers

from oauthapps import scopes
from oauthapps.services import scim_token_create

from .conftest import open_org


class LiveServerSCIMClient(WSGISCIMClient):
    """scim2-client's WSGI engine with the WSGI call swapped for a real HTTP request."""

    def __init__(self, base_url, headers):
        super().__init__(app=None, base_url=base_url, headers=headers, provider=ScimProvider())

    def request(self, method, url, **kwargs):
        prepared = _prepare_request(self.base_url, self.headers, method, url, **kwargs)
        response = requests.request(prepared.method, prepared.url.geturl(), headers=dict(prepared.headers),
                                    data=prepared.body or None, timeout=30, allow_redirects=False)
        return InProcessResponse(status_code=response.status_code, headers=Headers(list(response.headers.items())),
                                 content=response.content)


FAILING = {Status.ERROR, Status.CRITICAL}


@pytest.mark.django_db(transaction=True)
def test_scim2_tester_finds_no_error_on_users_and_discovery(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    org = open_org("Compliance")
    _, raw = scim_token_create(org=org, actor=None, name="scim2-tester", scopes=list(scopes.MANAGED_USERS))
    client = LiveServerSCIMClient(f"{live_server.url}/scim/v2", {"Authorization": f"Bearer {raw}"})
    results = check_server(client, resource_types=["User"])
    report = "\n".join(f"{r.status.name:10} {r.title}: {r.reason or ''}"[:400] for r in results)
    print(report)
    assert results
    assert not [r for r in results if r.status in FAILING], report
