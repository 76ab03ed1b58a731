"""`python -m bench dbwork`: the database work of one request, scenario by scenario, measured in-process.

Django's test client sends each scenario's requests (bench.load's, against the seeded data, with a
token from the real token endpoint) through the full middleware stack, one at a time; a database
execute wrapper counts the statements and times them, round trip included. Prints statements, database
ms and total ms per request (medians), the figures bench/README.md's scale-out plan is built on.
"""

from __future__ import annotations

import json
import statistics
import time

SCENARIOS = {"get_user": 200, "eq_username": 200, "list_random": 100, "patch_user": 100, "patch_member_big": 100,
             "post_user": 100, "get_big_group": 10}


class _Timer:
    def __init__(self):
        self.statements, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements += 1
            self.seconds += time.perf_counter() - started


def measure_database_work() -> list[dict]:
    from django.db import connection
    from django.test import Client

    from bench.load import Requests
    from bench.run import plan_with_in_process_token

    plan = plan_with_in_process_token()
    client = Client(SERVER_NAME="127.0.0.1")
    headers = {"Authorization": f"Bearer {plan['token']}"}
    rows = []
    for scenario, count in SCENARIOS.items():
        requests, samples = Requests(plan, seed=f"dbwork-{scenario}"), []
        for _ in range(count + 5):  # the first five warm the caches and are not counted
            method, path, body = getattr(requests, scenario)()
            timer = _Timer()
            started = time.perf_counter()
            with connection.execute_wrapper(timer):
                response = client.generic(method, path, json.dumps(body) if body else "", secure=True,
                                          content_type="application/scim+json", headers=headers)
                for _piece in response.streaming_content if response.streaming else ():
                    pass  # a group's members are read, and written, as its body is consumed
            samples.append((timer.statements, timer.seconds * 1000, (time.perf_counter() - started) * 1000,
                            response.status_code))
        samples = samples[5:]
        rows.append({"scenario": scenario, "requests": count,
                     "statements": statistics.median(s[0] for s in samples),
                     "database_ms": round(statistics.median(s[1] for s in samples), 2),
                     "total_ms": round(statistics.median(s[2] for s in samples), 2),
                     "errors": sum(s[3] >= 400 for s in samples)})
    print(f"\n{'scenario':<18} {'statements':>10} {'db ms':>8} {'total ms':>9} {'db share':>9} {'errors':>6}")
    for row in rows:
        print(f"{row['scenario']:<18} {row['statements']:>10} {row['database_ms']:>8} {row['total_ms']:>9} "
              f"{row['database_ms'] / row['total_ms']:>9.0%} {row['errors']:>6}")
    return rows
