"""The console's small script, in Debian's chromium: copy buttons, select all, the "Got it!" gate."""

import os

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in the main thread for the rest of the
    session, which Django's async-safety check mistakes for async code calling the ORM."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(orm_beside_playwright, browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium"}


@pytest.fixture
def console(django_db_setup, live_server, page, owner):
    page.goto(live_server.url + reverse("console:login"))
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("#content [type=submit]")
    page.wait_for_url(live_server.url + reverse("console:index"))
    return page


@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian's chromium")
def test_creating_an_app_in_the_browser_gates_finish_on_got_it(console, live_server):
    page = console
    page.goto(live_server.url + reverse("console:oauth_app_new"))
    page.check("input[value=client-credentials]")
    page.click("#content button.default")
    page.fill("input[name=name]", "Entra ID")
    page.click("#content button.default")
    page.check("input[data-select-all]")
    assert all(box.is_checked() for box in page.query_selector_all("input[name=scopes]"))
    page.click("#content button.default")

    finish = page.locator("#finish")
    assert finish.is_disabled()
    assert page.locator("#client-secret").inner_text()
    page.check("#got-it")
    assert finish.is_enabled()
    finish.click()
    page.wait_for_url("**/oauth-apps/OQ*/**")
    assert "Application details" in page.content()
