"""
Rose Ash settings: one module, driven by the environment.

Every service is optional: leave its variable unset and an embedded default takes its place
(SQLite under ``var/``, a local-memory cache, Celery tasks run in-process). Name a real service
and it is used. Production (``DEBUG`` off) refuses to start without a ``SECRET_KEY``.
"""

import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv
from kombu import Queue

from roseash.email_url import parse_email_url

BASE_DIR = Path(__file__).resolve().parent.parent

# `make run` keeps its development settings (DEBUG, ROSEASH_PORT, ROSEASH_INTERNAL_URL) in .env, so
# every command run in the checkout, not only make's, sees the sites the development server serves.
# Variables set in the environment win over the file. ROSEASH_ENV_FILE names another file, or none
# when empty: the tests set it so, and do not depend on a developer's .env.
ROSEASH_ENV_FILE = os.environ.get("ROSEASH_ENV_FILE", str(BASE_DIR / ".env"))
if ROSEASH_ENV_FILE:
    load_dotenv(ROSEASH_ENV_FILE, override=False)
VAR_DIR = Path(os.environ.get("ROSEASH_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false.")


def generated_secret(filename):
    """Return a secret kept in ``var/``, creating it on first use (development only)."""
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (50+ random characters) for production, "
            "or set DEBUG=true to develop with a key generated into var/."
        )
    SECRET_KEY = generated_secret("secret_key")

# --- The six sites ---------------------------------------------------------------------------

ROSEASH_DOMAIN = os.environ.get("ROSEASH_DOMAIN", "localhost").strip().lower()
ROSEASH_SCHEME = os.environ.get("ROSEASH_SCHEME", "http" if DEBUG else "https")
ROSEASH_PORT = os.environ.get("ROSEASH_PORT", "")
# Where our sites reach each other over HTTP when the public hostnames do not resolve here
# (development, containers). The original host travels in the Host header.
ROSEASH_INTERNAL_URL = os.environ.get("ROSEASH_INTERNAL_URL", "").rstrip("/")
# Signs server-to-server calls such as fragment requests; defaults to one derived from SECRET_KEY.
ROSEASH_INTERNAL_SECRET = os.environ.get("ROSEASH_INTERNAL_SECRET", "")
# Split deployments: the sites (comma-separated) that run in other processes, whose fragments a
# page's optional slots fetch over HTTP within ROSEASH_FRAGMENT_TIMEOUT seconds (apps.core.pages.slots).
ROSEASH_REMOTE_FRAGMENTS = {
    name.strip() for name in os.environ.get("ROSEASH_REMOTE_FRAGMENTS", "").split(",") if name.strip()
}
ROSEASH_FRAGMENT_TIMEOUT = float(os.environ.get("ROSEASH_FRAGMENT_TIMEOUT", "") or 0.5)

# Site name -> URLconf. Each site answers on <name>.<domain>; the bare domain is the portal.
ROSEASH_SITES = {
    "blog": "roseash.urls.blog",
    "market": "roseash.urls.market",
    "cart": "roseash.urls.cart",
    "events": "roseash.urls.events",
    "account": "roseash.urls.account",
    "federation": "roseash.urls.federation",
}
ROSEASH_PORTAL_URLCONF = "roseash.urls.portal"
ROOT_URLCONF = ROSEASH_PORTAL_URLCONF

ALLOWED_HOSTS = [ROSEASH_DOMAIN] + [f"{site}.{ROSEASH_DOMAIN}" for site in ROSEASH_SITES]

# --- Applications ----------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files (no CDN)
    "oauth2_provider",
    # Its static files only (the built ProseMirror editor and its CSS): apps.blog.editor loads them.
    "django_prose_editor",
    "apps.core",
    "apps.account",
    "apps.blog",
    "apps.market",
    "apps.cart",
    "apps.events",
    "apps.federation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before routing, so even the 400 for an unknown host carries the policy.
    "apps.core.web.csp.SiteCSPMiddleware",
    "apps.core.web.middleware.SiteRoutingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.account.sso.middleware.SingleSignOnMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.web.middleware.RoseAshErrorMiddleware",
]

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
                "apps.core.web.context_processors.sites",
            ],
            "builtins": ["apps.core.templatetags.roseash"],
        },
    },
]

WSGI_APPLICATION = "roseash.wsgi.application"

# --- Data ------------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Connections live for a minute and are checked before each request's first query; on
    # PostgreSQL by polling their socket rather than with a SELECT 1 round trip (apps/core/postgresql).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "apps.core.postgresql"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "roseash.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.caching.shared.KeptClientRedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "roseash",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "roseash"}}
# What one process may keep to itself for a minute, to spare the hot paths a round trip to Redis:
# published keys, member actors, peers' states (see the modules using ``caches["process"]``).
CACHES["process"] = {
    "BACKEND": "apps.core.caching.process.ObjectCache",  # LocMemCache keeping objects, not pickles
    "LOCATION": "roseash-process",
    "TIMEOUT": 60,
    "OPTIONS": {"MAX_ENTRIES": 10_000},
}

# --- Accounts --------------------------------------------------------------------------------

AUTH_USER_MODEL = "account.User"
AUTHENTICATION_BACKENDS = ["apps.account.backends.EmailOrUsernameBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation and static files ---------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from finders, but wants it to exist
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
# Uploaded files are served under MEDIA_URL on every host: by this process in development and
# tests, by the web server in production (docker/compose.yml's `media` service; docs/operations.md).
ROSEASH_SERVE_MEDIA = env_bool("ROSEASH_SERVE_MEDIA", DEBUG)

# Request bodies: forms stay small; the inbox keeps its own smaller cap.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Security --------------------------------------------------------------------------------

SESSION_COOKIE_DOMAIN = None  # host-only: each site keeps its own session
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy on every response (django-csp; apps.core.web.csp adds our seven origins to
# form-action and img-src). Scripts, styles and fonts come from our own static files only, never
# inline: HTML a peer or an editor wrote cannot run code or restyle a page even if something slipped
# past the sanitizer. Images may come from any https server: the social hub shows remote avatars and
# attachments. With DEBUG, django-csp leaves 404 and 500 pages alone so Django's debug pages keep
# their inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "https:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],  # as X_FRAME_OPTIONS = "DENY" says; current browsers obey this one
        # Only over https: on http://*.localhost it would send the browser to https nobody serves.
        "upgrade-insecure-requests": ROSEASH_SCHEME == "https",
    }
}
if ROSEASH_SCHEME == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse the cookie unless secure, host-only and path=/.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]
    SECURE_SSL_REDIRECT = env_bool("ROSEASH_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The load balancer's health probes reach the app directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- Celery ----------------------------------------------------------------------------------

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or CELERY_BROKER_URL or None
# Without a broker, tasks run in-process as they are sent, which keeps development to one process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    # Celery still takes a producer from its pool for an eager task; with a host named, kombu does
    # not warn on each one ("No hostname was supplied").
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "fetch", "inbox", "delivery", "mail")]
# Task name -> queue, so a backlog of one kind of work never starves another. Unlisted: "default".
CELERY_TASK_ROUTES = {
    "core.clear_expired_sessions": {"queue": "default"},
    "account.send_email_confirmation": {"queue": "mail"},
    "account.send_subscription_confirmation": {"queue": "mail"},
    "account.send_issue_batch": {"queue": "mail"},
    "account.sweep_newsletters": {"queue": "mail"},
    "account.send_mail": {"queue": "mail"},
    "account.clear_expired_sign_ins": {"queue": "default"},
    "blog.sync_ghost": {"queue": "fetch"},
    "blog.sync_ghost_post": {"queue": "fetch"},
    "market.rescrape_imported_products": {"queue": "fetch"},
    "market.rescrape_product": {"queue": "fetch"},
    "federation.fetch_peer_actor": {"queue": "fetch"},
    "federation.refresh_stale_peers": {"queue": "fetch"},
    "federation.process_inbound": {"queue": "inbox"},
    "federation.process_pending_inbound": {"queue": "inbox"},
    "federation.expand_outbound": {"queue": "delivery"},
    "federation.deliver": {"queue": "delivery"},
    "federation.sweep_activities": {"queue": "delivery"},
    "cart.send_order_email": {"queue": "mail"},
    "events.tell_holders": {"queue": "mail"},
    "cart.expire_orders": {"queue": "default"},
}
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged once done: a killed worker's task is redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Redis redelivers an unacknowledged task after this long; longer than any task may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "core.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    # Hourly, so each stale peer is picked up within an hour of going stale; the task spreads the
    # refetches over the hour with jitter.
    "refresh-stale-peers": {
        "task": "federation.refresh_stale_peers",
        "schedule": crontab(minute=23),
    },
    # Every minute: inbound activities not processed, outbound ones not expanded, deliveries due
    # (a lost on-commit task, a killed worker, a retry whose time has come).
    "sweep-federation-activities": {
        "task": "federation.sweep_activities",
        "schedule": 60.0,
    },
}

# --- Single sign-on --------------------------------------------------------------------------
# The federation site is the OAuth2/OpenID Connect server (django-oauth-toolkit); the other five
# sites are its confidential clients (authlib). See docs/sso.md for the flow and the sign-out design.


def _pem_blocks(text):
    """Split concatenated PEM private keys (an environment variable may hold several)."""
    return re.findall(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", text, flags=re.DOTALL)


def _generated_rsa_key(filename):
    """Return an RSA private key kept in ``var/``, creating it on first use (development only)."""
    path = VAR_DIR / filename
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
    return path.read_text()


def _sso_secret(site):
    """
    Return a client site's secret: ``ROSEASH_SSO_SECRET_<SITE>`` when set (a split deployment sets
    it on both sides), else generated into var/ in development, else derived from SECRET_KEY, which
    every process of one deployment shares.
    """
    value = os.environ.get(f"ROSEASH_SSO_SECRET_{site.upper()}", "")
    if value:
        return value
    if DEBUG:
        return generated_secret(f"sso_client_secret_{site}")
    return hmac.new(SECRET_KEY.encode(), f"roseash.sso.client.{site}".encode(), hashlib.sha256).hexdigest()


_federation_port = (
    f":{ROSEASH_PORT}" if ROSEASH_PORT and {"http": "80", "https": "443"}.get(ROSEASH_SCHEME) != ROSEASH_PORT else ""
)
# The issuer is fixed by configuration, never taken from a request's Host header.
SSO_ISSUER = os.environ.get(
    "ROSEASH_SSO_ISSUER", f"{ROSEASH_SCHEME}://federation.{ROSEASH_DOMAIN}{_federation_port}/o"
).rstrip("/")
# The sites that sign in through the federation site, each a registered client.
SSO_CLIENT_SITES = ("blog", "market", "cart", "events", "account")
# Client secrets: ROSEASH_SSO_SECRET_<SITE> in production, generated into var/ in development.
SSO_CLIENT_SECRETS = {site: _sso_secret(site) for site in SSO_CLIENT_SITES}
# An anonymous visitor's browser is sent to the federation site at most this often to check
# silently (prompt=none) whether the member is already signed in there.
SSO_SILENT_RETRY_SECONDS = int(os.environ.get("ROSEASH_SSO_SILENT_RETRY_SECONDS", "300"))

# Production gives the PEM in the environment; without it the system check account.E004 stops
# `migrate` and `check --deploy` (collectstatic at image build time needs no key).
_oidc_key = os.environ.get("OIDC_RSA_PRIVATE_KEY", "")
if not _oidc_key and DEBUG:
    _oidc_key = _generated_rsa_key("oidc_rsa_private_key.pem")

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": SSO_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _oidc_key,
    # Retired keys stay published in the JWKS so tokens they signed still verify while they live.
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _pem_blocks(os.environ.get("OIDC_RSA_PRIVATE_KEYS_INACTIVE", "")),
    "SCOPES": {
        "openid": "Sign you in with your Rose Ash membership",
        "profile": "Your username and name",
        "email": "Your email address",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "apps.account.sso.server.RoseAshOAuth2Validator",
    "OAUTH2_BACKEND_CLASS": "apps.account.sso.server.SingleSignOnOAuthLibCore",
    # Authorization code with PKCE S256 only; RFC 9700's compliance switches on.
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # Development serves plain http; production allows https redirect URIs only.
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": ROSEASH_SCHEME == "https",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if ROSEASH_SCHEME == "https" else ["http", "https"],
    "ALLOW_URI_WILDCARDS": False,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    # Short lifetimes: the sites keep their own sessions and use a token only to sign in.
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 86_400,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # RP-initiated logout: a site sends the browser here after ending the SSO session.
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
}
# django-oauth-toolkit's own models; named because account.SSOGrant and account.RedeemedCode point at them.
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 (a model name, not a secret)
LOGIN_URL = "/auth/login"  # every site serves it; it leads to the federation site's sign-in page

# Sign-in throttling, counted in the shared cache: failures per login name and per client address.
SIGN_IN_FAILURE_LIMIT = int(os.environ.get("ROSEASH_SIGN_IN_FAILURE_LIMIT", "5"))
SIGN_IN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("ROSEASH_SIGN_IN_ADDRESS_FAILURE_LIMIT", "30"))
SIGN_IN_LOCKOUT_SECONDS = int(os.environ.get("ROSEASH_SIGN_IN_LOCKOUT_SECONDS", "900"))
# How long a sign-up confirmation or password-reset link stays valid.
PASSWORD_RESET_TIMEOUT = 3 * 86_400
# Every minute, so a scheduled post goes out within a minute of its time.
# Daily: recurring events whose rule has no end get the dates that came within a year.
CELERY_BEAT_SCHEDULE["extend-event-series"] = {"task": "events.extend_series", "schedule": crontab(hour=2, minute=41)}
CELERY_BEAT_SCHEDULE["publish-due-posts"] = {
    "task": "blog.publish_due_posts",
    "schedule": 60.0,
}
# Ghost sync (docs/blog.md): the Ghost site's address, its Content API key, the webhooks' secret.
# Unset GHOST_URL: no sync, and the beat task does nothing.
GHOST_URL = os.environ.get("GHOST_URL", "").strip()
GHOST_CONTENT_KEY = os.environ.get("GHOST_CONTENT_KEY", "").strip()
GHOST_WEBHOOK_SECRET = os.environ.get("GHOST_WEBHOOK_SECRET", "")
# Every ten minutes: webhooks bring a change at once; this catches what a lost webhook missed.
CELERY_BEAT_SCHEDULE["sync-ghost"] = {
    "task": "blog.sync_ghost",
    "schedule": crontab(minute="*/10"),
}
# Newsletters (docs/account.md): how long a confirmation link lives, how many mails a batch sends,
# and how long a worker may hold a batch before the sweep takes its unsent rows back.
NEWSLETTER_CONFIRM_MAX_AGE = int(os.environ.get("ROSEASH_NEWSLETTER_CONFIRM_MAX_AGE", str(3 * 86_400)))
NEWSLETTER_BATCH_SIZE = int(os.environ.get("ROSEASH_NEWSLETTER_BATCH_SIZE", "100"))
NEWSLETTER_LEASE_SECONDS = int(os.environ.get("ROSEASH_NEWSLETTER_LEASE_SECONDS", "600"))
CELERY_BEAT_SCHEDULE["sweep-newsletters"] = {
    "task": "account.sweep_newsletters",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["clear-expired-sign-ins"] = {
    "task": "account.clear_expired_sign_ins",
    "schedule": crontab(hour=3, minute=37),
}
# Product import by scraping (docs/market.md): seconds between two requests to one shop (shared by
# every process through the cache), and how often the beat task re-reads an imported product.
try:
    MARKET_SCRAPE_DELAY = float(os.environ.get("MARKET_SCRAPE_DELAY", "") or 2)
    MARKET_RESCRAPE_HOURS = float(os.environ.get("MARKET_RESCRAPE_HOURS", "") or 24)
except ValueError as exc:
    raise ImproperlyConfigured("MARKET_SCRAPE_DELAY and MARKET_RESCRAPE_HOURS are numbers (seconds, hours).") from exc
if not (0 <= MARKET_SCRAPE_DELAY <= 60 and MARKET_RESCRAPE_HOURS > 0):
    raise ImproperlyConfigured("MARKET_SCRAPE_DELAY must be 0 to 60 seconds and MARKET_RESCRAPE_HOURS more than 0.")
# Hourly: each run sends the products due (unchecked for MARKET_RESCRAPE_HOURS) to the fetch queue.
CELERY_BEAT_SCHEDULE["rescrape-imported-products"] = {
    "task": "market.rescrape_imported_products",
    "schedule": crontab(minute=41),
}

# --- Cart and payments (docs/cart.md) ---------------------------------------------------------

# SumUp's Checkouts API. Without a key, a clearly labelled test payment page approves or declines
# orders instead, so the whole flow can be tried locally.
SUMUP_API_URL = os.environ.get("SUMUP_API_URL", "https://api.sumup.com").strip().rstrip("/")
SUMUP_API_KEY = os.environ.get("SUMUP_API_KEY", "").strip()
SUMUP_MERCHANT_CODE = os.environ.get("SUMUP_MERCHANT_CODE", "").strip()
# An unpaid order is cancelled and its stock released this long after it was placed (SumUp's
# hosted checkout lives 30 minutes).
CART_ORDER_EXPIRY_MINUTES = int(os.environ.get("CART_ORDER_EXPIRY_MINUTES", "45"))
# How long checkout waits for another buyer's stock lock before saying "busy, try again".
CART_LOCK_TIMEOUT_MS = int(os.environ.get("CART_LOCK_TIMEOUT_MS", "3000"))
CELERY_BEAT_SCHEDULE["expire-unpaid-orders"] = {
    "task": "cart.expire_orders",
    "schedule": 60.0,
}

# --- Federation ------------------------------------------------------------------------------

# Peers we know by name: a JSON object of peer name -> base URL. Peer ``p`` at base ``b`` has its
# actor document at ``b/actors/p``.
try:
    ROSEASH_FEDERATION_PEERS = json.loads(os.environ.get("ROSEASH_FEDERATION_PEERS", "") or "{}")
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(
        f"ROSEASH_FEDERATION_PEERS is not valid JSON ({exc}); "
        'give an object of peer name to base URL, e.g. {"shop": "https://shop.example.org"}.'
    ) from exc
if not isinstance(ROSEASH_FEDERATION_PEERS, dict):
    raise ImproperlyConfigured(
        'ROSEASH_FEDERATION_PEERS must be a JSON object of peer name to base URL, e.g. {"shop": "https://shop.example.org"}.'
    )
# Optional: a dotted path to ``resolve(name) -> base URL or None`` for peers not in the map.
ROSEASH_FEDERATION_PEER_RESOLVER = os.environ.get("ROSEASH_FEDERATION_PEER_RESOLVER", "")
# Let outbound requests reach loopback and private addresses: development and tests only.
ROSEASH_FEDERATION_ALLOW_PRIVATE = env_bool("ROSEASH_FEDERATION_ALLOW_PRIVATE")
# Narrower than ALLOW_PRIVATE (development and tests): comma-separated networks outbound requests may
# reach although they are not public, e.g. "127.0.0.0/8" for local test servers; every other private,
# loopback or link-local address is still refused.
try:
    ROSEASH_OUTBOUND_ALLOW_NETWORKS = tuple(
        str(ipaddress.ip_network(name.strip(), strict=False))
        for name in os.environ.get("ROSEASH_OUTBOUND_ALLOW_NETWORKS", "").split(",")
        if name.strip()
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        f"ROSEASH_OUTBOUND_ALLOW_NETWORKS must be comma-separated networks such as 127.0.0.0/8 ({exc})."
    ) from exc
# Seconds an inbox POST may spend fetching its unknown signer's actor, every request included: a
# web thread is held that long at most by a slow or dripping peer (the peer retries later).
try:
    ROSEASH_INBOX_FETCH_SECONDS = float(os.environ.get("ROSEASH_INBOX_FETCH_SECONDS", "") or 10)
except ValueError as exc:
    raise ImproperlyConfigured("ROSEASH_INBOX_FETCH_SECONDS must be a number of seconds, e.g. 10.") from exc
if not 0 < ROSEASH_INBOX_FETCH_SECONDS <= 30:
    raise ImproperlyConfigured(
        "ROSEASH_INBOX_FETCH_SECONDS must be more than 0 and at most 30 (the client's deadline)."
    )
# A PEM file of the certificate authorities outbound HTTPS trusts, in place of the built-in set
# (certifi): for peers or an internal address behind the cooperative's own CA. The variables other
# tools read for the same purpose apply when it is unset. Empty: the built-in set.
ROSEASH_CA_BUNDLE = (
    os.environ.get("ROSEASH_CA_BUNDLE") or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE", "")
)
# Development and tests: a JSON object of host name (or "*.suffix") -> IP address that outbound
# requests connect to instead of resolving the name, like curl --resolve; e.g.
# {"*.alpha.test": "127.0.0.1"}. Loopback and private addresses still need ALLOW_PRIVATE.
try:
    ROSEASH_RESOLVE = json.loads(os.environ.get("ROSEASH_RESOLVE", "") or "{}")
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"ROSEASH_RESOLVE is not valid JSON ({exc}).") from exc
if not isinstance(ROSEASH_RESOLVE, dict) or not all(
    isinstance(name, str) and isinstance(address, str) for name, address in ROSEASH_RESOLVE.items()
):
    raise ImproperlyConfigured(
        'ROSEASH_RESOLVE must be a JSON object of host to address, e.g. {"*.alpha.test": "127.0.0.1"}.'
    )
for _address in ROSEASH_RESOLVE.values():
    try:
        ipaddress.ip_address(_address)
    except ValueError as exc:
        raise ImproperlyConfigured(f"ROSEASH_RESOLVE maps to {_address!r}, which is not an IP address.") from exc
ROSEASH_RESOLVE = {name.lower().rstrip("."): address for name, address in ROSEASH_RESOLVE.items()}

# --- Framework defaults ----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rose Ash Market API",
    "DESCRIPTION": "The market's producers and active products, read-only.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Mail: printed in development; in production an SMTP server named by EMAIL_URL (roseash/email_url.py)
# or by the usual EMAIL_* variables. Mails leave from the site's name and address.
# An empty variable counts as unset (compose files often list EMAIL_HOST= and the like).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or "587")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
if os.environ.get("EMAIL_URL", "").strip():
    globals().update(parse_email_url(os.environ["EMAIL_URL"]))
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    EMAIL_USE_TLS = False  # implicit TLS (smtps) already encrypts; Django refuses both at once
EMAIL_TIMEOUT = 10
ROSEASH_SITE_NAME = os.environ.get("ROSEASH_SITE_NAME") or "Rose Ash"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or f"{ROSEASH_SITE_NAME} <noreply@{ROSEASH_DOMAIN}>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Tasks run in-process (no broker) would log each success into a command's or a page's output.
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}
