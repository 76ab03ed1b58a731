"""Every command README.md shows works as written (issue 16, defect 15): each `make` target exists, and
the demo's manage.py commands run against the demo database without any other environment."""

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MAKE_TARGETS = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.split("#")[0].strip()]


@pytest.mark.parametrize("command", [c for c in readme_commands() if c.startswith("make ")])
def test_every_make_command_in_the_readme_names_a_target(command):
    assert shlex.split(command)[1] in MAKE_TARGETS


def _demo_command(make_args: str, database: Path) -> str:
    """The shell line `make <make_args>` runs (make -n prints it), so the test never reinstalls the shared venv."""
    printed = subprocess.run(["make", "-n", "-s", *shlex.split(make_args), f"DEMO_DB={database}"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()
    return printed[-1]


def _run(line: str) -> str:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(line, shell=True, cwd=ROOT, env=environment, capture_output=True, text=True, check=True).stdout


def test_the_readmes_demo_commands_run_as_written(tmp_path):
    database = tmp_path / "demo.sqlite3"
    _run(_demo_command('manage CMD="migrate --noinput --verbosity 0"', database))
    for command in readme_commands():
        if command.startswith("make manage") and "createsuperuser" not in command:  # that one asks questions
            seeded = json.loads(_run(_demo_command(command.removeprefix("make "), database)))
            assert seeded["oauth"]["scim_token"]["token"]
    printed = _run(_demo_command('manage CMD=seed_demo', database))
    for needed in ("password:", "idadmin_scim_", "Microsoft Entra ID", "Okta OAuth 2", "client secret:", "/console/guides/"):
        assert needed in printed
    assert "run seed_demo --json" not in printed
