"""One error shape for the whole API, even for what fails outside its views: a database outage is a
503 with Retry-After and an unexpected error a 500, both as problem details under /api/."""

import json

from django.db import OperationalError
from django.test import RequestFactory

from config.errors import server_error


def _answer_while_handling(error):
    request = RequestFactory().get("/api/v1/organization/")
    try:
        raise error
    except Exception:
        return server_error(request)


def test_a_database_outage_is_a_problem_503_with_retry_after(settings):
    response = _answer_while_handling(OperationalError("connection refused"))
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) == settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    assert json.loads(response.content)["status"] == 503


def test_an_unexpected_error_is_a_problem_500_that_says_nothing_more():
    response = _answer_while_handling(RuntimeError("secret internals"))
    body = json.loads(response.content)
    assert response.status_code == 500 and response["Content-Type"] == "application/problem+json"
    assert body["title"] == "Internal Server Error" and "secret internals" not in response.content.decode()


def test_options_is_a_problem_405(client, org, owner):
    from .conftest import Api, make_key

    response = Api(client, make_key(org, owner))("options", "organization/")
    assert response.status_code == 405 and response["Content-Type"] == "application/problem+json"
