import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": os.environ["PATH"],
    "SECRET_KEY": "a-production-grade-secret-key-with-enough-length-and-variety-8d7f6a5e4c",
    "ALLOWED_HOSTS": "id.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/idadmin",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "PUBLIC_BASE_URL": "https://id.example.com",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_run_tasks_inline_without_a_broker():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CELERY_BROKER_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "CELERY_BROKER_URL" in result.stderr


def test_outbox_metrics_are_off_without_a_statsd_agent(settings):
    # django-celery-outbox defaults them on; with no agent, every enqueue logged a warning (issue 14).
    assert getattr(settings, "MONITORING_METRICS_ENABLED", True) is False


def test_behind_pgbouncer_there_are_no_server_side_cursors_no_options_and_no_prepared_statements():
    # Transaction pooling keeps no cursor nor prepared statement between transactions (PgBouncer < 1.21) and
    # refuses `options` (the pooler sets the timeouts).
    show = ("from django.conf import settings; database = settings.DATABASES['default']; "
            "print(database.get('DISABLE_SERVER_SIDE_CURSORS', False), 'options' in database['OPTIONS'], "
            "settings.DATABASE_STATEMENTS_PREPARED)")
    direct = manage("shell", "-c", show, env=PRODUCTION_ENV)
    pooled = manage("shell", "-c", show, env={**PRODUCTION_ENV, "DATABASE_POOLER": "pgbouncer"})
    # The last line: the shell may first say how many objects it imported.
    assert (direct.stdout.split()[-3:], pooled.stdout.split()[-3:]) == (["False", "True", "True"],
                                                                        ["True", "False", "False"])
    unknown = manage("check", env={**PRODUCTION_ENV, "DATABASE_POOLER": "pgpool"})
    assert unknown.returncode != 0 and "DATABASE_POOLER must be empty or pgbouncer" in unknown.stderr
