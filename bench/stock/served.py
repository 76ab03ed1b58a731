"""The peer as deploy/serve.py serves it: its application, in a worker prepared as ours are."""

from bench.stock.wsgi import application
from deploy.worker import prepare_worker

prepare_worker()

__all__ = ["application"]
