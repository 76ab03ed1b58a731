"""The load driver: `python -m bench.load <plan.json>` runs one scenario and prints its timings as JSON.

A separate process from the server and from the bench's own Django: `clients` threads, each with one
HTTP/1.1 connection (http.client, reconnecting when gunicorn's sync workers close it), send requests
back to back for `duration` seconds. Latency is measured per request, connect included.
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

    def list_deep(self):
        return "GET", f"{SCIM}/Users?startIndex={self.plan['deep_index']}&count=100", None

    def list_random(self):
        start = self.rng.randint(1, max(1, self.plan["org_users"] - 100))
        return "GET", f"{SCIM}/Users?startIndex={start}&count=100", None

    def sw_prefix(self):
        prefix = self.rng.choice(self.plan["sw_prefixes"])
        return "GET", f"{SCIM}/Users?count=100&filter=" + quote(f'userName sw "{prefix}"'), None

    def _member_patch(self, group: str, members: list[str]):
        # Remove a member, then add it back: the group keeps its size, every request changes it.
        member = self.rng.choice(members)
        key = f"{group}:{member}"
        present = self.toggles.get(key, True)
        self.toggles[key] = not present
        operation = {"op": "remove", "path": f'members[value eq "{member}"]'} if present else {
            "op": "add", "path": "members", "value": [{"value": member}]}
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


def client(plan: dict, scenario: str, index: int, deadline: float, limit: int, out: list, statuses: dict, lock):
    requests = Requests(plan, seed=f"{limit}-{index}")  # warm-up and measurement create different users
    connection = http.client.HTTPConnection(plan["host"], plan["port"], timeout=60)
    headers = {"Authorization": f"Bearer {plan['token']}", "X-Forwarded-Proto": "https",
               "Content-Type": "application/scim+json", "Accept": "application/scim+json"}
    timings = []
    try:
        while time.monotonic() < deadline and len(timings) < limit:
            method, path, body = getattr(requests, scenario)()
            payload = json.dumps(body).encode() if body is not None else None
            started = time.perf_counter()
            try:
                connection.request(method, path, payload, headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                status = 599  # counted as an error, never dropped
            timings.append((time.perf_counter() - started) * 1000)
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
    timings.sort()
    errors = sum(count for status, count in statuses.items() if status >= 400)
    return {
        "scenario": scenario, "clients": clients, "requests": len(timings), "seconds": round(elapsed, 2),
        "requests_per_second": round(len(timings) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(timings, 0.50), 2), "p95_ms": round(percentile(timings, 0.95), 2),
        "p99_ms": round(percentile(timings, 0.99), 2), "max_ms": round(timings[-1], 2) if timings else 0.0,
        "errors": errors, "statuses": {str(status): count for status, count in sorted(statuses.items())},
    }


def main() -> None:
    with open(sys.argv[1]) as file:
        spec = json.load(file)
    result = drive(spec["plan"], spec["scenario"], spec["clients"], spec["duration"], spec["limit"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
