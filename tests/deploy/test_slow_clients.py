"""The reference deployment (deploy/) on loopback: nginx from Debian buffering requests in front of
gunicorn's sync workers. Clients that announce a body and trickle it in must not hold up anyone else.

The control half shows why nginx is there: sent straight to gunicorn, the same stalled uploads occupy
both sync workers and a plain GET waits behind them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from deploy.render import render

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STALLED_UPLOADS = 4
pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{process.args[0]} exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def start_gunicorn(stack: ExitStack, port: int) -> None:
    database = connection.settings_dict
    env = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    stack.callback(stop, process)
    wait_for_port(port, process)


def start_nginx(stack: ExitStack, port: int, upstream_port: int) -> None:
    run_dir = Path(tempfile.mkdtemp(prefix="idadmin-nginx-"))
    stack.callback(shutil.rmtree, run_dir, True)
    run_dir.chmod(0o755)  # nginx's workers drop to an unprivileged user when started as root
    config = run_dir / "nginx.conf"
    config.write_text(render(listen=f"127.0.0.1:{port}", upstream=f"127.0.0.1:{upstream_port}",
                             run_dir=str(run_dir), daemon=False))
    process = subprocess.Popen([NGINX, "-c", str(config), "-p", str(run_dir), "-e", str(run_dir / "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(stop, process)
    wait_for_port(port, process)


def stall_uploads(stack: ExitStack, port: int) -> None:
    """Connections that announce a 1,000-byte SCIM body and send one byte of it."""
    for _ in range(STALLED_UPLOADS):
        stalled = socket.create_connection(("127.0.0.1", port))
        stack.callback(stalled.close)
        stalled.sendall(b"POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/scim+json\r\n"
                        b"Content-Length: 1000\r\n\r\n{")
    time.sleep(0.5)  # let the server pick them up


def get_discovery(port: int, timeout: float) -> int:
    return requests.get(f"http://127.0.0.1:{port}/scim/v2/ServiceProviderConfig", timeout=timeout).status_code


def test_stalled_uploads_do_not_delay_other_requests_behind_nginx():
    assert Path(NGINX).exists(), "nginx is not installed (.ci/run installs Debian's nginx-light)"
    gunicorn_port, nginx_port = free_port(), free_port()
    with ExitStack() as stack:
        start_gunicorn(stack, gunicorn_port)
        start_nginx(stack, nginx_port, gunicorn_port)
        assert get_discovery(nginx_port, timeout=10) == 200

        stall_uploads(stack, nginx_port)
        assert [get_discovery(nginx_port, timeout=3) for _ in range(10)] == [200] * 10

        # Control: the same stalled uploads sent straight to gunicorn hold both of its workers.
        stall_uploads(stack, gunicorn_port)
        with pytest.raises(requests.exceptions.ReadTimeout):
            get_discovery(gunicorn_port, timeout=3)
