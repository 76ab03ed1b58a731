"""Django's PostgreSQL backend, with a health check that costs no round trip and a timestamptz loader in C
(see base.py)."""
