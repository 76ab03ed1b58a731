"""The load driver: `python -m bench.load <spec.json>` runs one scenario and prints its timings as JSON.

A separate process from the server and from the bench's own Django: `clients` threads, each with one
HTTP/1.1 connection (http.client, reconnecting when gunicorn's sync workers close it), send requests
back to back for `duration` seconds. Latency is measured per request, connect included.

With two plans (`python -m bench compare`), one client alternates request by request between the two
servers, drawing the same request for both, and keeps each pair's times.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import quote

SCIM = "/scim/v2"


class Requests:
    """The requests of every scenario, drawn from the seeded data the plan lists."""

    def __init__(self, plan: dict, seed: str):
        self.plan = plan
        self.rng = random.Random(seed)
        self.toggles: dict[str, bool] = {}
        self.serial = 0
        self.seed = seed

    def _user(self) -> dict:
        return self.rng.choice(self.plan["users"])

    def get_user(self):
        return "GET", f"{SCIM}/Users/{self._user()['id']}", None

    def eq_username(self):
        return "GET", f"{SCIM}/Users?filter=" + quote(f'userName eq "{self._user()["userName"]}"'), None

    def eq_external_id(self):
        return "GET", f"{SCIM}/Users?filter=" + quote(f'externalId eq "{self._user()["externalId"]}"'), None

    def list_first(self):
        return "GET", f"{SCIM}/Users?startIndex=1&count=100", None

    def list_first_50(self):
        return "GET", f"{SCIM}/Users?startIndex=1&count=50", None

    def list_deep(self):
        return "GET", f"{SCIM}/Users?startIndex={self.plan['deep_index']}&count=100", None

    def list_random(self):
        start = self.rng.randint(1, max(1, self.plan["org_users"] - 100))
        return "GET", f"{SCIM}/Users?startIndex={start}&count=100", None

    def sw_prefix(self):
        prefix = self.rng.choice(self.plan["sw_prefixes"])
        return "GET", f"{SCIM}/Users?count=100&filter=" + quote(f'userName sw "{prefix}"'), None

    def sw_page(self):
        prefix = self.rng.choice(self.plan["sw_page_prefixes"])
        return "GET", f"{SCIM}/Users?count=100&filter=" + quote(f'userName sw "{prefix}"'), None

    def _member_patch(self, group: str, members: list[str]):
        # Remove a member, then add it back: the group keeps its size, every request changes it.
        member = self.rng.choice(members)
        key = f"{group}:{member}"
        present = self.toggles.get(key, True)
        self.toggles[key] = not present
        if not present:
            operation = {"op": "add", "path": "members", "value": [{"value": member}]}
        elif self.plan.get("remove_members_by_value"):  # Entra's shape, the only one django-scim2 removes with
            operation = {"op": "remove", "path": "members", "value": [{"value": member}]}
        else:
            operation = {"op": "remove", "path": f'members[value eq "{member}"]'}
        return "PATCH", f"{SCIM}/Groups/{group}", {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [operation]}

    def patch_member_big(self):
        return self._member_patch(self.plan["big_group"], self.plan["big_group_members"])

    def patch_member_small(self):
        return self._member_patch(self.plan["small_group"], self.plan["small_group_members"])

    def get_big_group(self):
        return "GET", f"{SCIM}/Groups/{self.plan['big_group']}", None

    def post_user(self):
        self.serial += 1
        name = f"bench.{self.plan['run_id']}.{self.seed}.{self.serial}@bench-post.example"
        return "POST", f"{SCIM}/Users", {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
            "name": {"givenName": "Bench", "familyName": "Post"}, "emails": [{"value": name, "primary": True}],
            "active": True}

    def patch_user(self):
        return "PATCH", f"{SCIM}/Users/{self._user()['id']}", {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": f"Title {self.rng.randint(1, 1000)}"}]}

    MIX = [("get_user", 30), ("eq_username", 15), ("eq_external_id", 15), ("list_random", 20), ("patch_user", 10),
           ("patch_member_big", 5), ("patch_member_small", 5)]

    def mixed(self):
        names, weights = zip(*self.MIX)
        return getattr(self, self.rng.choices(names, weights)[0])()


def _headers(plan: dict) -> dict:
    return {"Authorization": f"Bearer {plan['token']}", "X-Forwarded-Proto": "https",
            "Content-Type": "application/scim+json", "Accept": "application/scim+json"}


def send(connection: http.client.HTTPConnection, headers: dict, request: tuple) -> tuple[float, int, bytes]:
    """One request: (milliseconds, status, body); a failed connection is status 599, never dropped."""
    method, path, body = request
    payload = json.dumps(body).encode() if body is not None else None
    started = time.perf_counter()
    try:
        connection.request(method, path, payload, headers)
        response = connection.getresponse()
        content = response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        connection.close()
        content, status = b"", 599
    return (time.perf_counter() - started) * 1000, status, content


def client(plan: dict, scenario: str, index: int, deadline: float, limit: int, out: list, statuses: dict, lock):
    requests = Requests(plan, seed=f"{limit}-{index}")  # warm-up and measurement create different users
    connection = http.client.HTTPConnection(plan["host"], plan["port"], timeout=60)
    headers = _headers(plan)
    timings = []
    try:
        while time.monotonic() < deadline and len(timings) < limit:
            elapsed, status, _ = send(connection, headers, getattr(requests, scenario)())
            timings.append(elapsed)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
    except Exception:  # the client itself failed (a bad plan): an error, and the run goes on without it
        with lock:
            statuses[598] = statuses.get(598, 0) + 1
        raise
    finally:
        connection.close()
        with lock:
            out.extend(timings)


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def drive(plan: dict, scenario: str, clients: int, duration: float, limit: int) -> dict:
    timings: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + duration
    threads = [threading.Thread(target=client, args=(plan, scenario, n, deadline, limit, timings, statuses, lock))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if any(thread.is_alive() for thread in threads) or not timings:
        raise SystemExit(f"bench.load: {scenario} made no requests")
    elapsed = time.monotonic() - started
    return {"scenario": scenario, "clients": clients, "seconds": round(elapsed, 2),
            "requests_per_second": round(len(timings) / elapsed, 1) if elapsed else 0.0,
            **summary(timings, statuses)}


def summary(timings: list[float], statuses: dict[int, int]) -> dict:
    timings = sorted(timings)
    return {
        "requests": len(timings),
        "p50_ms": round(percentile(timings, 0.50), 2), "p95_ms": round(percentile(timings, 0.95), 2),
        "p99_ms": round(percentile(timings, 0.99), 2), "max_ms": round(timings[-1], 2) if timings else 0.0,
        "errors": sum(count for status, count in statuses.items() if status >= 400),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
    }


def answer_shape(content: bytes) -> dict:
    """What two servers' answers to the same GET must agree on: result counts, a group's member count."""
    try:
        document = json.loads(content)
    except ValueError:
        return {"json": False}
    if not isinstance(document, dict):
        return {"json": False}
    shape = {key: document[key] for key in ("totalResults", "itemsPerPage", "userName", "displayName") if key in document}
    if "members" in document:
        shape["members"] = len(document["members"])
    return shape


def alternate(plans: list[dict], scenario: str, duration: float, limit: int) -> dict:
    """`limit` pairs at most, for `duration` seconds: each pair sends the same request (drawn from each
    plan's aligned sample: same seed, same indexes) to the first server, then to the second."""
    sides = [(Requests(plan, seed=f"{limit}"), http.client.HTTPConnection(plan["host"], plan["port"], timeout=60),
              _headers(plan)) for plan in plans]
    timings: list[list[float]] = [[] for _ in plans]
    statuses: list[dict[int, int]] = [{} for _ in plans]
    ratios, shapes = [], []
    started = time.monotonic()
    try:
        while time.monotonic() < started + duration and len(ratios) < limit:
            pair = []
            for index, (requests, connection, headers) in enumerate(sides):
                request = getattr(requests, scenario)()
                elapsed, status, content = send(connection, headers, request)
                timings[index].append(elapsed)
                statuses[index][status] = statuses[index].get(status, 0) + 1
                if len(shapes) < len(plans):  # the first pair's answers
                    shapes.append(answer_shape(content) if request[0] == "GET" else {"success": 200 <= status < 300})
                pair.append((elapsed, status))
            (first, first_status), (second, second_status) = pair
            ratios.append(second / first if first_status < 400 and second_status < 400 else None)
    finally:
        for _, connection, _ in sides:
            connection.close()
    # A pair where either server failed has no ratio, and then neither has the scenario: an error is
    # reported as such, never as a speed.
    valid = sorted(ratio for ratio in ratios if ratio is not None)
    complete = bool(valid) and len(valid) == len(ratios)
    return {
        "scenario": scenario, "pairs": len(ratios), "seconds": round(time.monotonic() - started, 2),
        "sides": [summary(side_timings, side_statuses) for side_timings, side_statuses in zip(timings, statuses)],
        "ratio_median": round(percentile(valid, 0.50), 2) if complete else None,
        "ratio_p25": round(percentile(valid, 0.25), 2) if complete else None,
        "ratio_p75": round(percentile(valid, 0.75), 2) if complete else None,
        "shapes": shapes, "shapes_agree": len(shapes) == 2 and shapes[0] == shapes[1],
    }


def main() -> None:
    with open(sys.argv[1]) as file:
        spec = json.load(file)
    if "plans" in spec:
        result = alternate(spec["plans"], spec["scenario"], spec["duration"], spec["limit"])
    else:
        result = drive(spec["plan"], spec["scenario"], spec["clients"], spec["duration"], spec["limit"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
