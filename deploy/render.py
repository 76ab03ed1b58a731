"""Fill deploy/nginx.conf's @@NAME@@ placeholders: python -m deploy.render --upstream 127.0.0.1:8001 > nginx.conf"""

import argparse
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf")


def render(*, listen: str, upstream: str, run_dir: str, daemon: bool = True) -> str:
    text = TEMPLATE.read_text()
    for name, value in {"LISTEN": listen, "UPSTREAM": upstream, "RUN_DIR": run_dir,
                        "DAEMON": "on" if daemon else "off"}.items():
        text = text.replace(f"@@{name}@@", value)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:8000", help="nginx's listen directive")
    parser.add_argument("--upstream", default="127.0.0.1:8001", help="gunicorn's address")
    parser.add_argument("--run-dir", default="/run/idadmin-nginx", help="pid, logs and temporary files")
    parser.add_argument("--foreground", action="store_true", help="daemon off (under systemd or a container)")
    arguments = parser.parse_args()
    print(render(listen=arguments.listen, upstream=arguments.upstream, run_dir=arguments.run_dir,
                 daemon=not arguments.foreground))
