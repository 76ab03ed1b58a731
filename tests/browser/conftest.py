"""Browser tests: Playwright drives Debian's chromium (/usr/bin/chromium) against a live server."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def sign_in(live_server):
    def sign_in_as(page, email: str, password: str):
        page.goto(f"{live_server.url}/console/login/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return sign_in_as


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe-core__/axe.min.js"  # answered by the test itself, from the page's own origin (CSP: script-src 'self')


@pytest.fixture
def axe(live_server):
    """`axe(page)`: the serious and critical accessibility violations axe-core (npm, pinned) finds on the page."""
    assert AXE.exists(), "axe-core is missing: run `make test` (it runs npm ci) or `npm ci`"
    routed = set()

    def violations(page) -> list[str]:
        if id(page) not in routed:
            page.route(f"**{AXE_PATH}", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
            routed.add(id(page))
        page.add_script_tag(url=live_server.url + AXE_PATH)
        found = page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.filter((v) => ["serious", "critical"].includes(v.impact))
              .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
        }""")
        return found

    return violations


@pytest.fixture
def nav():
    """`nav(page, "Members")`: follow a console navigation link, opening the phone-width Menu first."""

    def follow(page, label: str):
        # console.js folds the nav at phone width once the page has loaded: look only after that.
        page.wait_for_load_state("load")
        link = page.locator(".console-nav").get_by_role("link", name=label, exact=True)
        if not link.is_visible():
            page.locator(".console-nav summary").click()
        link.click()

    return follow


@pytest.fixture
def page_problems():
    """`problems = page_problems(page)`: a list that collects the page's console errors, failed requests and
    4xx/5xx answers from then on; a test asserts it stays empty."""

    def watch(page) -> list[str]:
        problems = []
        page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
        # A request the next navigation cancels (the icon of a page just left) is not a failure.
        page.on("requestfailed", lambda request: "ERR_ABORTED" not in (request.failure or "")
                and problems.append(f"failed: {request.url} {request.failure}"))
        page.on("response", lambda response: response.status >= 400
                and problems.append(f"{response.status}: {response.url}"))
        return problems

    return watch
