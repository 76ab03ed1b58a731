"""The application as the production server runs it (deploy/serve.py's target): config.wsgi's, in a worker
prepared for a long life (deploy/worker.py). Each worker imports this module once, after it starts."""

from config.wsgi import application
from deploy.worker import prepare_worker

prepare_worker()

__all__ = ["application"]
