"""`python -m bench instructions`: the web process's CPU instructions per request, scenario by scenario.

Counted by valgrind (callgrind), not timed: the same code and data give the same count whatever else
the machine does, where a shared 2-core machine's throughput drifts by 30% between two runs of the
same commit (bench/README.md, sixth round). Each scenario runs in-process (Django's WSGI handler, full
middleware stack, the garbage collector set as gunicorn's workers set it, bench.load's requests against
the seeded data, a token from the real token endpoint) twice under valgrind, side by side on the two
cores: with no measured request and with `--requests` of them, after the same warm-up. The difference
over the requests is one request's instructions. PostgreSQL's own work is not in it (`python -m bench
dbwork` gives the database's share).

`python -m bench.instructions <spec.json> <scenario> <built> <sent>` is one such process.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Both processes of a scenario send the same requests at once, except where a request changes what the
# next one does: a member PATCH toggles a membership, so its two processes run one after the other, each
# from the groups as seeded. (A POST takes a userName: not measured here.)
SCENARIOS = ["get_user", "eq_username", "eq_external_id", "list_random", "sw_page", "patch_user", "patch_member_big",
             "patch_member_small"]
CHANGES_GROUPS = {"patch_member_big", "patch_member_small"}
WARMUP_REQUESTS = 30
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def _instructions(spec_path: str, scenario: str, built: int, sent: int) -> int:
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    # A fixed hash seed: dicts and sets lay out alike in both processes.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run([*valgrind, sys.executable, "-m", "bench.instructions", spec_path, scenario, str(built),
                             str(sent)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    found = _COLLECTED.search(result.stderr)
    if result.returncode != 0 or found is None:
        sys.exit(f"bench instructions: {scenario} failed:\n{result.stderr[-3000:]}")
    return int(found.group(1))


def measure_instructions(*, requests: int, only: list[str]) -> list[dict]:
    from bench.run import plan_with_in_process_token, report_header, write_report

    if shutil.which("valgrind") is None:
        sys.exit("bench instructions: valgrind is not installed (apt-get install valgrind).")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(plan_with_in_process_token(), file)
    rows = []
    try:
        for scenario in SCENARIOS:
            if only and scenario not in only:
                continue
            with ThreadPoolExecutor(1 if scenario in CHANGES_GROUPS else 2) as pool:
                without, with_requests = pool.map(lambda sent: _instructions(file.name, scenario, requests, sent),
                                                   (0, requests))
            rows.append({"scenario": scenario, "requests": requests,
                         "instructions_per_request": round((with_requests - without) / requests)})
            print(f"{scenario:<18} {rows[-1]['instructions_per_request'] / 1e6:>8.3f} M instructions a request",
                  flush=True)
    finally:
        os.unlink(file.name)
    write_report("instructions", "", {**report_header(), "warmup_requests": WARMUP_REQUESTS, "scenarios": rows})
    return rows


def _run_requests(spec_path: str, scenario: str, built: int, sent: int) -> None:
    """One process: build the warm-up's and `built` more requests of `scenario`, warm up, then send `sent` of
    them through the WSGI handler. Both processes of a scenario build the same requests."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    from bench.load import Requests

    plan = json.loads(Path(spec_path).read_text())
    if scenario in CHANGES_GROUPS:
        from bench.run import restore_seeded_groups

        restore_seeded_groups(plan)
    handler, factory = WSGIHandler(), RequestFactory(SERVER_NAME="127.0.0.1")
    drawn = Requests(plan, seed=f"instructions-{scenario}")
    environs = []
    for _ in range(WARMUP_REQUESTS + built):
        method, path, body = getattr(drawn, scenario)()
        environs.append(factory.generic(method, path, json.dumps(body) if body else "", secure=True,
                                        content_type="application/scim+json",
                                        headers={"Authorization": f"Bearer {plan['token']}"}).environ)

    def send(environ):
        statuses = []
        response = handler(environ, lambda status, headers: statuses.append(status))
        for _piece in response:
            pass
        response.close()
        if not statuses[0].startswith(("2", "3")):
            sys.exit(f"{scenario}: {statuses[0]}")

    # The garbage collector as gunicorn's workers run it (deploy/gunicorn.conf.py), once the process is loaded.
    runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["post_worker_init"](None)
    for environ in environs[:WARMUP_REQUESTS]:
        send(environ)
    for environ in environs[WARMUP_REQUESTS:WARMUP_REQUESTS + sent]:
        send(environ)


if __name__ == "__main__":
    from bench.__main__ import bench_environment

    os.environ.update(bench_environment())
    os.environ.update({"SCIM_RATE_PER_CREDENTIAL": "1000000", "SCIM_RATE_PER_ORG": "1000000"})
    _run_requests(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
