"""Settings for every environment, read from the process environment.

Production is the default: DEBUG is off and SECRET_KEY, ALLOWED_HOSTS and a Celery broker are required.
The one-command demo (`make run`) sets DEBUG=1 and a SQLite DATABASE_URL.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import structlog
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-demo-key-only-for-DEBUG-" + "x" * 32

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

# The short name used wherever the product names itself to the outside: DNS records, file names,
# token prefixes.
PRODUCT_SLUG = "idadmin"

# Every absolute URL shown to a person or an IdP (SCIM base, token URL, e-mail links) starts here.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # OpClass in indexes (scim.ScimUser)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "axes",
    "pgtrigger",
    "csp",
    "django_celery_outbox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "tenants",
    "oauthapps",
    "scim",
    "scim.protocol.apps.ScimProtocolConfig",
    "events",
    "api",
]

MIDDLEWARE = [
    "config.request_logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # config.browser_middleware: Django's and django-otp's own, which SCIM requests skip.
    "config.browser_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.browser_middleware.AuthenticationMiddleware",
    "config.browser_middleware.OTPMiddleware",
    "config.browser_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.content_security_policy.ConsoleOrScimCSPMiddleware",
    "tenants.middleware.TenantScopeMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/idadmin"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that is a poll of the socket, not a `SELECT 1` per request.
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # Fail fast: a database that is down or stuck is a 503 in seconds (config.errors), never a hang
    # that outlives the web server's worker timeout.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
    DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "10000"))
    DATABASE_LOCK_TIMEOUT_MS = int(os.environ.get("DATABASE_LOCK_TIMEOUT_MS", "5000"))
    DATABASE_SESSION_SETTINGS = {"statement_timeout": DATABASE_STATEMENT_TIMEOUT_MS,
                                 "lock_timeout": DATABASE_LOCK_TIMEOUT_MS, "idle_in_transaction_session_timeout": 60000}
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
    # DATABASE_URL names PgBouncer in transaction mode: each transaction may run on another server
    # connection, so nothing may outlive one. No server-side cursors (Django's iterator()); PgBouncer
    # refuses the `options` startup parameter, so the pooler sets the session settings above on its
    # server connections (connect_query; bench/run.py writes one), and no prepared statements, which
    # PgBouncer < 1.21 cannot follow: Django leaves psycopg's off (prepare_threshold None, client-side
    # binding), and tenants.prepared_queries prepares its own only without a pooler.
    DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "")
    DATABASE_STATEMENTS_PREPARED = not DATABASE_POOLER
    if DATABASE_POOLER == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    elif DATABASE_POOLER:
        raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or pgbouncer, not {DATABASE_POOLER!r}.")
    else:
        DATABASES["default"]["OPTIONS"]["options"] = " ".join(
            f"-c {name}={value}" for name, value in DATABASE_SESSION_SETTINGS.items())
elif DEBUG and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The SQLite demo (`make run`) has no broker: effects run inline (tenants.effects.enqueue_effect), no
    # outbox relay claims rows, so the outbox's SKIP LOCKED requirement does not apply.
    SILENCED_SYSTEM_CHECKS = ["celery_outbox.E001"]
# A web request gives up on a PostgreSQL that has not answered for this long (a frozen server never
# fires its own timeouts): config.database_deadline, armed around each request by deploy/gunicorn.conf.py.
# A statement still running after this long is cut too (a wait is a wait). 0 turns it off.
DATABASE_WAIT_LIMIT_SECONDS = float(os.environ.get("DATABASE_WAIT_LIMIT_SECONDS", "6"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Seconds a client is told to wait (Retry-After) when the database is unavailable.
DATABASE_UNAVAILABLE_RETRY_AFTER = 5

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
# Authenticator apps show this name beside the code (accounts.mfa).
OTP_TOTP_ISSUER = "Identity console"
LOGIN_REDIRECT_URL = "console:index"

LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = "config.formats"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that overwrites this header (see README, "Production").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# No inline script anywhere; Django admin's CSS sets a few inline styles, so styles allow them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Sign-in throttling: 5 failures for one e-mail from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.backends.sign_in_name"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind a proxy every sign-in would share the proxy's address and one attacker could lock anyone out:
# the client's own address is resolved from X-Forwarded-For when the deployment says it is trustworthy.
CLIENT_IP_FROM_X_FORWARDED_FOR = env_bool("CLIENT_IP_FROM_X_FORWARDED_FOR", False)
X_FORWARDED_FOR_PROXY_COUNT = int(os.environ.get("X_FORWARDED_FOR_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
# Where django.core.mail.backends.filebased.EmailBackend writes (a directory), when that backend is set.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Identity Console <no-reply@localhost>")

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
if not CELERY_BROKER_URL and not DEBUG:
    raise ImproperlyConfigured("CELERY_BROKER_URL (or REDIS_URL) must be set when DEBUG is off.")
# Eager only for the demo, which has no broker: production never silently runs tasks inline.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2,
    # A task a worker took but never acknowledged (the broker went away mid-task, the worker died) is
    # handed out again after this long. Redelivery is safe: effects are delivered once
    # (tenants.effects.EffectTask) and re-checks are idempotent. Longer than any task runs.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "1800")),
}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Webhook deliveries have their own queue and workers (`celery -A config worker -Q webhooks`): a sync of
# 10,000 changes never queues e-mails and domain checks behind its deliveries.
CELERY_TASK_ROUTES = {"events.tasks.deliver_webhooks": {"queue": "webhooks"}}
CELERY_BEAT_SCHEDULE: dict = {
    # Hourly, picking the domains whose last check is a day old: each domain is re-checked every
    # 24 hours and the load spreads over the day instead of arriving at once.
    "reverify-due-domains": {"task": "tenants.tasks.reverify_due_domains", "schedule": 3600.0},
    "clear-expired-oauth-tokens": {"task": "oauthapps.tasks.clear_expired_oauth_tokens", "schedule": 3600.0},
    "scim-prune-provisioning-log": {"task": "scim.tasks.prune_provisioning_log", "schedule": 24 * 3600},
    "scim-compact-user-counts": {"task": "scim.tasks.compact_user_counts", "schedule": 60.0},
    "redeliver-pending-effects": {"task": "tenants.tasks.redeliver_pending_effects",
                                  "schedule": float(os.environ.get("EFFECT_SWEEP_SECONDS", "60"))},
    "prune-effects": {"task": "tenants.tasks.prune_effects", "schedule": 24 * 3600},
    "drain-overdue-webhooks": {"task": "events.tasks.drain_overdue_webhooks", "schedule": 60.0},
    "prune-events": {"task": "events.tasks.prune_events", "schedule": 24 * 3600},
}
# tenants/effects.py: an effect still pending this long after its message is sent again; a worker that
# finds the database unavailable puts the message back on the queue after this pause.
EFFECT_REDELIVERY_AFTER_SECONDS = int(os.environ.get("EFFECT_REDELIVERY_AFTER_SECONDS", "300"))
EFFECT_DATABASE_PAUSE_SECONDS = float(os.environ.get("EFFECT_DATABASE_PAUSE_SECONDS", "2"))
# Side effects go through the transactional outbox (config.celery); beat's own ticks are not the
# effect of a write and a missed tick is simply taken at the next one, so they go straight out.
CELERY_OUTBOX_APP = "config.celery.app"
CELERY_OUTBOX_EXCLUDE_TASKS = frozenset(entry["task"] for entry in CELERY_BEAT_SCHEDULE.values())
# The outbox library sends statsd metrics on every enqueue; with no agent listening each send logged a
# warning inside the request (issue 14). On only where STATSD_HOST names an agent.
MONITORING_STATSD_HOST = os.environ.get("STATSD_HOST", "")
MONITORING_STATSD_PORT = int(os.environ.get("STATSD_PORT", "8125"))
MONITORING_METRICS_ENABLED = bool(MONITORING_STATSD_HOST)

# --- Rate limits ---------------------------------------------------------------------------------
# Counters live in Redis (tenants.rate_limits); the demo without Redis counts in memory.
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
RATE_LIMIT_REDIS_URL = os.environ.get("RATE_LIMIT_REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# SCIM, averaged over 10 s: Entra sends up to ~25 requests/s per tenant, Okta bursts during imports.
# Staff set an org's own figure (Organization.scim_requests_per_second) in /admin/.
SCIM_RATE_PER_CREDENTIAL = int(os.environ.get("SCIM_RATE_PER_CREDENTIAL", "100"))  # per second
SCIM_RATE_PER_ORG = int(os.environ.get("SCIM_RATE_PER_ORG", "200"))  # per second
API_RATE_PER_KEY = int(os.environ.get("API_RATE_PER_KEY", "20"))  # per second, management API
API_RATE_PER_ORG = int(os.environ.get("API_RATE_PER_ORG", "40"))  # per second, management API
# Token endpoint: per client id and per address (an IdP asks for a token about once an hour).
TOKEN_RATE_PER_CLIENT = int(os.environ.get("TOKEN_RATE_PER_CLIENT", "30"))  # per minute
TOKEN_RATE_PER_ADDRESS = int(os.environ.get("TOKEN_RATE_PER_ADDRESS", "60"))  # per minute

# --- Domain verification -------------------------------------------------------------------------
# Empty: the system resolver. Tests point this at a DNS server on 127.0.0.1.
DOMAIN_VERIFICATION_NAMESERVERS = env_list("DOMAIN_VERIFICATION_NAMESERVERS")
DOMAIN_VERIFICATION_DNS_PORT = int(os.environ.get("DOMAIN_VERIFICATION_DNS_PORT", "53"))
DOMAIN_VERIFICATION_DNS_TIMEOUT = float(os.environ.get("DOMAIN_VERIFICATION_DNS_TIMEOUT", "5"))
DOMAIN_VERIFICATION_HTTP_TIMEOUT = float(os.environ.get("DOMAIN_VERIFICATION_HTTP_TIMEOUT", "5"))
# "https" in production; tests serve the file over plain http on a loopback port.
DOMAIN_VERIFICATION_HTTP_SCHEME = "https"
DOMAIN_VERIFICATION_HTTP_PORT: int | None = None
# The HTTPS check refuses to connect to loopback and private addresses (no probing of our own
# network through a customer's DNS); tests, whose server is on 127.0.0.1, turn this on.
DOMAIN_VERIFICATION_HTTP_ALLOW_PRIVATE_ADDRESSES = False
# --- Webhooks (events/) ---------------------------------------------------------------------------
# Outgoing webhook calls refuse private and loopback addresses and plain http unless these are on
# (tests on loopback); a failing endpoint is retried with backoff for WEBHOOK_RETRY_HOURS, then disabled.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_RETRY_HOURS = int(os.environ.get("WEBHOOK_RETRY_HOURS", "24"))
# Deliveries one drain task sends before it queues itself again behind other tasks.
WEBHOOK_DRAIN_BATCH = int(os.environ.get("WEBHOOK_DRAIN_BATCH", "100"))
# How many domains one re-verification task checks in a row; with the worker's concurrency this
# bounds how many checks run at once.
DOMAIN_REVERIFICATION_CHUNK_SIZE = 20

# --- OAuth (django-oauth-toolkit) --------------------------------------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauthapps.Application"
OAUTH2_PROVIDER = {
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "oauthapps.validators.TenantOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "oauthapps.scopes.ApplicationScopes",
    # The RFC 8414 issuer and RFC 9207 `iss` value: what IdPs are told, not the Host they sent.
    "OIDC_ISS_ENDPOINT": PUBLIC_BASE_URL,
    "REQUEST_APPROVAL_PROMPT": "force",
    # Required of public clients (oauthapps.validators.TenantOAuth2Validator.is_pkce_required).
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # An unexchanged authorization code dies after a minute (RFC 6749 §4.1.2: "short lived").
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    # Each application has its own access token lifetime.
    "EXTRA_SERVER_KWARGS": {
        "token_expires_in": lambda request: getattr(request.client, "access_token_lifetime", 3600),
    },
    "ROTATE_REFRESH_TOKEN": True,
    # A refresh token unused for 90 days after its access token expired is dead (and swept).
    "REFRESH_TOKEN_EXPIRE_SECONDS": 90 * 24 * 3600,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # DOT's grace period needs plaintext token storage, which RFC 9700 storage forbids.
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # http only for loopback redirect URIs in the demo (DEBUG); production requires https.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if DEBUG else ["https"],
    "SCOPES": {
        "managed-users/read": "Read one user or group",
        "managed-users/list": "List and search users and groups",
        "managed-users/create": "Create users and groups",
        "managed-users/update": "Update users and groups",
        "managed-users/delete": "Delete users and groups",
        "offline_access": "Stay connected (refresh tokens)",
    },
}

# --- SCIM (django-scim2) ----------------------------------------------------------------------
# scim/ uses django-scim2's exceptions, constants and schema documents with its own views (see the
# scim.protocol.views docstring); these settings describe the service for anything that reads them.
SCIM_SERVICE_PROVIDER = {
    "NETLOC": PUBLIC_BASE_URL.split("://", 1)[-1],
    "DOCUMENTATION_URI": PUBLIC_BASE_URL + "/",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "An OAuth 2.0 access token or a SCIM token from the console, as a Bearer token.",
        }
    ],
}

# --- Logging ------------------------------------------------------------------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # One line per request comes from config.request_logging; Django's own would double it.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # The relay logs every batch at INFO (several a second when idle); its warnings and errors are
        # what an operator needs (OUTBOX_LOG_LEVEL=INFO to watch it work).
        "django_celery_outbox": {"level": os.environ.get("OUTBOX_LOG_LEVEL", "WARNING")},
    },
}

# The outbox relay (django-celery-outbox) logs through structlog: render its events as one key=value
# line and hand them to the logging set up above, so they share its format and handlers.
structlog.configure(
    processors=[structlog.contextvars.merge_contextvars, structlog.processors.KeyValueRenderer(key_order=["event"])],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

# --- REST framework ----------------------------------------------------------------------------
# The management API (/api/v1/, the api app): org API keys only, JSON only, errors as problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.KeyAccess"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS is 405 (problem details), not an undocumented description
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Identity admin management API",
    "DESCRIPTION": "Automate what the console does, for the organization an API key belongs to. "
                   "Send `Authorization: Bearer <API key>` (created in the console under API keys). "
                   "Errors are RFC 9457 problem details (application/problem+json).",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EventTypeEnum": "events.models.EVENT_TYPES",
        "DomainStatusEnum": "tenants.models.Domain.Status",
        "InvitationStatusEnum": "tenants.models.Invitation.Status",
        "ApplicationStatusEnum": "oauthapps.models.Application.Status",
        "VerificationMethodEnum": "tenants.models.Domain.Method",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.document_errors"],
    # Served from our own static files (drf-spectacular-sidecar): no CDN, and the CSP stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": False},
}
