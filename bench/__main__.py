"""`python -m bench seed|run|compare|dbwork|instructions|replica|webhooks`: the SCIM benchmark (bench/README.md).

Runs from the repository root against its own database, whose name must start with idadmin_bench
(DATABASE_URL, default postgres://postgres@127.0.0.1:5432/idadmin_bench): `seed --reset` drops it.
`compare` uses two of its own (DATABASE_URL, default idadmin_bench_cmp, and STOCK_DATABASE_URL, default
idadmin_bench_stock, for the django-scim2 peer) and reseeds either when it lacks the asked shape.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/idadmin_bench"
COMPARE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/idadmin_bench_cmp"
STOCK_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/idadmin_bench_stock"


def bench_environment() -> dict:
    """The environment every bench process (this one, gunicorn) runs with: production settings on loopback."""
    env = {
        "DATABASE_URL": DEFAULT_DATABASE_URL,
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/11",
        "LOG_LEVEL": "WARNING",
    }
    env.update({key: value for key, value in os.environ.items() if key in env})
    env.update({"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings"})
    _check_bench_database(env["DATABASE_URL"])
    return env


def _check_bench_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if not name.startswith("idadmin_bench"):
        sys.exit(f"bench: refusing database {name!r}: a bench database's name starts with idadmin_bench.")


def _measuring_arguments(command, *, duration: float, workers: str) -> None:
    command.add_argument("--duration", type=float, default=duration, help="seconds per scenario")
    command.add_argument("--workers", type=int, default=2, help=workers)
    command.add_argument("--only", default="", help="comma-separated scenario names")
    command.add_argument("--label", default="", help="a word for the results file name")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="fill the bench database (COPY)")
    seed.add_argument("--users", type=int, default=200_000)
    seed.add_argument("--orgs", type=int, default=100)
    seed.add_argument("--interleave", action="store_true", help="orgs' rows interleave, as concurrent provisioning leaves them")
    seed.add_argument("--reset", action="store_true", help="drop and recreate the bench database first")
    run = commands.add_parser("run", help="serve with gunicorn and measure each scenario")
    _measuring_arguments(run, duration=8.0, workers="gunicorn sync workers")
    run.add_argument("--clients", type=int, default=16, help="concurrent clients of the mixed load")
    run.add_argument("--pgbouncer", action="store_true", help="gunicorn reaches PostgreSQL through PgBouncer (transaction mode)")
    compare = commands.add_parser("compare", help="ours and stock django-scim2 side by side, alternated request by request")
    compare.add_argument("--users", type=int, default=20_000, help="users of the one org, on both sides")
    compare.add_argument("--group-size", type=int, default=5_000, help="members of the big group")
    _measuring_arguments(compare, duration=5.0, workers="gunicorn sync workers, each server")
    compare.add_argument("--reset", action="store_true", help="reseed both databases first")
    commands.add_parser("dbwork", help="statements and database ms per request, scenario by scenario (in-process)")
    instructions = commands.add_parser("instructions", help="the web process's CPU instructions per request (valgrind)")
    instructions.add_argument("--requests", type=int, default=200, help="measured requests per scenario")
    instructions.add_argument("--only", default="", help="comma-separated scenario names")
    replica = commands.add_parser("replica", help="a streaming standby: list reads on it, its lag, its cost (private clusters)")
    replica.add_argument("--users", type=int, default=1_000_000)
    replica.add_argument("--orgs", type=int, default=1_000)
    replica.add_argument("--duration", type=float, default=10.0, help="seconds per mixed-load run")
    replica.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    replica.add_argument("--label", default="", help="a word for the results file name")
    replica.add_argument("--clients", type=int, default=16, help="concurrent clients of the mixed load")
    replica.add_argument("--rounds", type=int, default=2, help="mixed-load pairs, standby streaming then stopped")
    webhooks = commands.add_parser("webhooks", help="a burst of events to a webhook receiver, and an e-mail meanwhile")
    webhooks.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args(argv)

    if args.command == "compare":
        os.environ.setdefault("DATABASE_URL", COMPARE_DATABASE_URL)
        os.environ.setdefault("STOCK_DATABASE_URL", STOCK_DATABASE_URL)
        _check_bench_database(os.environ["STOCK_DATABASE_URL"])
    os.environ.update(bench_environment())
    sys.path.insert(0, str(ROOT))
    if args.command == "seed":
        from bench.seed import seed_database

        seed_database(users=args.users, orgs=args.orgs, interleave=args.interleave, reset=args.reset)
    elif args.command == "run":
        from bench.run import run_bench

        run_bench(duration=args.duration, clients=args.clients, workers=args.workers,
                  only=[name for name in args.only.split(",") if name], label=args.label, pgbouncer=args.pgbouncer)
    elif args.command == "compare":
        from bench.compare import compare_bench

        compare_bench(users=args.users, group_size=args.group_size, duration=args.duration, workers=args.workers,
                      only=[name for name in args.only.split(",") if name], label=args.label, reset=args.reset)
    elif args.command == "dbwork":
        import django

        django.setup()
        from bench.dbwork import measure_database_work

        measure_database_work()
    elif args.command == "instructions":
        import django

        django.setup()
        from bench.instructions import measure_instructions

        measure_instructions(requests=args.requests, only=[name for name in args.only.split(",") if name])
    elif args.command == "replica":
        from bench.replica import replica_bench

        replica_bench(users=args.users, orgs=args.orgs, duration=args.duration, clients=args.clients,
                      workers=args.workers, rounds=args.rounds, label=args.label)
    elif args.command == "webhooks":
        from bench.webhooks import run_webhook_burst

        print(run_webhook_burst(events=args.events))


if __name__ == "__main__":
    main()
