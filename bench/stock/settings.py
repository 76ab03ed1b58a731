"""Settings of the django-scim2 peer (bench.stock): production-like, as ours run under bench (DEBUG off,
the same persistent connections and timeouts), on its own database."""

import os

import dj_database_url

SECRET_KEY = "bench-stock-only-secret-key-0123456789abcdef0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"  # our ids are bigint too

INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "oauth2_provider", "django_scim", "bench.stock"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "oauth2_provider.middleware.OAuth2TokenMiddleware",  # bench.stock.auth
]
AUTHENTICATION_BACKENDS = ["oauth2_provider.backends.OAuth2Backend"]
ROOT_URLCONF = "bench.stock.urls"
AUTH_USER_MODEL = "stock.User"
# Tables come from `migrate --run-syncdb` (bench.stock.seed): a bench project keeps no migration files.
MIGRATION_MODULES = {"stock": None}

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("STOCK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idadmin_bench_stock"),
        conn_max_age=60, conn_health_checks=True,
    )
}
DATABASES["default"]["OPTIONS"] = {
    "connect_timeout": 3,
    "options": "-c statement_timeout=10000 -c lock_timeout=5000 -c idle_in_transaction_session_timeout=60000",
}
# Read by deploy/gunicorn.conf.py's request hooks, which both servers share (config.database_deadline).
DATABASE_WAIT_LIMIT_SECONDS = 6.0

SCIM_SERVICE_PROVIDER = {
    "NETLOC": "localhost",
    "AUTHENTICATION_SCHEMES": [
        {"type": "oauth2", "name": "OAuth 2", "description": "OAuth 2 bearer tokens (django-oauth-toolkit)"},
    ],
    "USER_ADAPTER": "bench.stock.adapters.BenchSCIMUser",
    "GROUP_ADAPTER": "bench.stock.adapters.BenchSCIMGroup",
    "GROUP_MODEL": "bench.stock.models.Group",
    "USER_FILTER_PARSER": "bench.stock.filters.BenchUserFilterQuery",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
