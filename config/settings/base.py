"""Settings shared by every deployment; local/test/production only override."""

import importlib.util

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env_bool, env_list, env_str

SECRET_KEY = env_str("EMIS_SECRET_KEY", "dev-insecure-change-me")
DEBUG = env_bool("EMIS_DEBUG", False)
ALLOWED_HOSTS = env_list("EMIS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "emis.core",
    "emis.accounts",
    "emis.orgs",
    "emis.students",
    "emis.staff",
    "emis.population",
    "emis.demo",
    "emis.reports",
    "emis.indicators",
    "emis.admissions",
    "emis.rounds",
    "emis.work",
    "emis.notifications",
    "emis.rectification",
    "emis.dropouts",
    "emis.aid",
    "emis.meals",
    "emis.inspections",
    "emis.safety",
    "emis.supervision",
    "emis.tutoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "emis.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "emis.core.audit.AuditContextMiddleware",
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
                "django.template.context_processors.i18n",
                "emis.core.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'emis.sqlite3'}"),
        conn_max_age=int(env_str("EMIS_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import or the task worker writes. SQLite's default page cache
    # is 2 MB: index inserts of a 100k-row import then spill to disk page by page, so allow 64 MB
    # (a ceiling, allocated only as used) and keep temporary B-trees in memory.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Per connection. JIT compiles a query whose estimated cost passes jit_above_cost: a province's list, count or
    # search (cost 150,000-300,000) then spends 80-110 ms compiling for a read of 200-400 ms, on every request
    # (bench/province, ADR 0018). A web page's reads are short; the server's jit setting is left to the DBA
    # otherwise. EMIS_PG_OPTIONS="" keeps the server's settings.
    pg_options = env_str("EMIS_PG_OPTIONS", "-c jit=off")
    if pg_options:
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"]["options"] = " ".join(
            filter(None, (DATABASES["default"]["OPTIONS"].get("options"), pg_options))
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"


# Uploaded files (import uploads, the annual report's edited drafts) go through the "uploads" storage and are kept
# by name, never by path (emis.core.files, docs/adr/0009). EMIS_STORAGE, the one setting, names where they live:
# `local` (default), a directory (MEDIA_ROOT; several app servers must share it, e.g. an NFS mount); `s3`, a bucket
# of any S3-compatible store (MinIO, Aliyun OSS, Tencent COS, Huawei OBS ...), with the optional `s3` extra
# (`pip install 'county-emis[s3]'`). Private either way: nothing routes MEDIA_URL, the bucket needs no public
# access, and files reach users only through views that check their scope.
def uploads_storage(kind: str) -> dict:
    if kind == "local":
        # No location: FileSystemStorage follows MEDIA_ROOT (and its overrides in tests).
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"EMIS_STORAGE must be local or s3, not {kind!r}")
    if importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured("EMIS_STORAGE=s3 needs the s3 extra: pip install 'county-emis[s3]'")
    if not env_str("EMIS_S3_BUCKET"):
        raise ImproperlyConfigured("EMIS_STORAGE=s3 needs EMIS_S3_BUCKET (and usually EMIS_S3_ENDPOINT_URL).")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("EMIS_S3_BUCKET"),
            "endpoint_url": env_str("EMIS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("EMIS_S3_REGION") or None,
            # Empty: boto3's own chain (AWS_* variables, an instance role, ~/.aws).
            "access_key": env_str("EMIS_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("EMIS_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("EMIS_S3_PREFIX", "emis"),
            "addressing_style": env_str("EMIS_S3_ADDRESSING_STYLE") or None,
            # No ACL header (buckets with ACLs disabled refuse one): objects inherit the bucket's own, private,
            # policy.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }


EMIS_STORAGE = env_str("EMIS_STORAGE", "local")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "uploads": uploads_storage(EMIS_STORAGE),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "emis.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["emis.core.api_permissions.ScopedModelPermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "County EMIS API",
    "DESCRIPTION": "县域教育管理信息系统 REST API. Every endpoint answers within the caller's data scope.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI served from the installed sidecar package: offices often have no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # The 400/401/403/404/429 (and 409 on DELETE) answers every endpoint may give, documented once.
        "emis.core.api_schema.add_error_responses",
    ],
}

# Import progress is written by the worker outside its (still open) transaction, so it lives in a cache
# shared across processes: files under var/ on one machine, Redis when several servers share the work.
if env_str("EMIS_REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("EMIS_REDIS_URL")}
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }

# Background work (imports, reports) goes through Django's Tasks API; EMIS_TASKS, the one setting, names the
# backend. `db` (default), one machine: the database backend (`make worker`). `rq`, many workers: tasks queue
# on Redis (`manage.py rqworker default --job-class django_tasks_rq.Job`, as many as needed).
# Redis, rq and django-rq are the optional `rq` extra (`pip install -e '.[rq]'`): nothing here imports or needs
# them unless rq is chosen (EMIS_REDIS_URL's Redis cache needs the extra too).
EMIS_TASKS = env_str("EMIS_TASKS", "db")
if EMIS_TASKS == "rq":
    if importlib.util.find_spec("django_rq") is None:
        raise ImproperlyConfigured("EMIS_TASKS=rq needs the rq extra: pip install 'county-emis[rq]'")
    INSTALLED_APPS += ["django_rq"]  # its `rqworker` command
    EMIS_REDIS_URL_FOR_TASKS = env_str("EMIS_REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUES = {"default": {"URL": EMIS_REDIS_URL_FOR_TASKS, "DEFAULT_TIMEOUT": 3 * 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
elif EMIS_TASKS == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    raise ImproperlyConfigured(f"EMIS_TASKS must be db or rq, not {EMIS_TASKS!r}")

# Notifications (emis.notifications): kept in the site, and sent by e-mail through Django's mail backend and through
# the backends listed in EMIS_NOTIFICATION_BACKENDS (SMS, a 企业微信/钉钉 webhook: emis/notifications/backends.py).
# Nothing leaves the machine unless configured: mail goes to the console until EMIS_EMAIL_BACKEND names SMTP
# (django.core.mail.backends.smtp.EmailBackend, with EMIS_EMAIL_HOST ...); tests use locmem.
EMAIL_BACKEND = env_str("EMIS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMIS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMIS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMIS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("EMIS_EMAIL_PASSWORD")
EMAIL_USE_SSL = env_bool("EMIS_EMAIL_SSL", False)
EMAIL_USE_TLS = env_bool("EMIS_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("EMIS_EMAIL_FROM", "emis@localhost")
EMIS_NOTIFICATION_BACKENDS = env_list("EMIS_NOTIFICATION_BACKENDS", "emis.notifications.backends.EmailBackend")
EMIS_NOTIFY_WEBHOOK_URL = env_str("EMIS_NOTIFY_WEBHOOK_URL")
# The site's address, for links in e-mails and messages.
EMIS_SITE_URL = env_str("EMIS_SITE_URL", "http://127.0.0.1:8000")

DJANGO_TABLES2_TEMPLATE = "generic/table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("EMIS_LOG_LEVEL", "WARNING")},
}

# Domain configuration that is deployment-wide rather than per-bureau data.
# The deployment's area: the division (a county 421224, a city 4212 or a province 42) whose counties this
# installation serves. Counties inside it are data, set up by `emis setup-county` (docs/deploy-your-county.md).
# Empty: no bound beyond the counties set up, and the area is the narrowest division holding all of them
# (emis.core.access.deployment_area_code).
EMIS_AREA_CODE = env_str("EMIS_AREA_CODE", "")
EMIS_LIST_PAGE_SIZE = 25
# A list whose rows PostgreSQL's planner expects to number more than this shows the planner's estimate (约 N 条)
# instead of an exact COUNT, which would read every row of a city's or province's scope before the first page
# (emis.core.tables.BaseTable.paginate). A county's lists stay below it and are counted exactly. 0: always exact.
EMIS_LIST_EXACT_COUNT_LIMIT = int(env_str("EMIS_LIST_EXACT_COUNT_LIMIT", "200000"))
# The same for a search (q): a province's search for two common initials matches tens of thousands of pupils, and
# counting and sorting them all reads every one (ADR 0018). Above this many expected matches the list says 约 N 条
# and pages in its usual order, which an index walks; below it the matches are counted and sorted by name.
EMIS_SEARCH_EXACT_COUNT_LIMIT = int(env_str("EMIS_SEARCH_EXACT_COUNT_LIMIT", "10000"))
# An exact count the planner expects to hold at least this many rows (a county's pupils) is kept in the cache until the
# next change record, and at most EMIS_COUNT_CACHE_SECONDS (emis.core.counts.remembered_count); 0: always count.
EMIS_COUNT_CACHE_MIN_ROWS = int(env_str("EMIS_COUNT_CACHE_MIN_ROWS", "20000"))
EMIS_COUNT_CACHE_SECONDS = int(env_str("EMIS_COUNT_CACHE_SECONDS", "60"))
EMIS_EXPORT_MAX_ROWS = 200_000
# Limits on uploaded table files, checked before a parser allocates anything (emis/core/imports/guard.py).
# A spreadsheet's cell grid is held whole while it is read: MAX_CELLS (rows x columns, at 32 bytes a cell)
# bounds that memory (5M cells: about 400 MB at peak, e.g. 380k rows of 13 columns); csv streams and is
# bounded by MAX_ROWS and MAX_COLUMNS only.
# Keys for children's ID numbers at rest (emis.core.crypto): never in the database or a backup. Empty here:
# local and test settings supply development keys, production refuses to start without real ones.
EMIS_DATA_KEYS = env_str("EMIS_DATA_KEYS")
EMIS_HASH_KEY = env_str("EMIS_HASH_KEY")
# Development keys, public in the source, for the developer's, the demo's and the tests' synthetic data only.
DEVELOPMENT_DATA_KEYS = "dev:ZGV2LW9ubHktZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE="
DEVELOPMENT_HASH_KEY = "ZGV2LW9ubHktaGFzaC1rZXktMzItYnl0ZXMtbG9uZyEh"
EMIS_IMPORT_MAX_ROWS = int(env_str("EMIS_IMPORT_MAX_ROWS", "2000000"))
EMIS_IMPORT_MAX_COLUMNS = int(env_str("EMIS_IMPORT_MAX_COLUMNS", "200"))
EMIS_IMPORT_MAX_CELLS = int(env_str("EMIS_IMPORT_MAX_CELLS", "5000000"))
EMIS_IMPORT_MAX_UNZIPPED_MB = int(env_str("EMIS_IMPORT_MAX_UNZIPPED_MB", "500"))
EMIS_IMPORT_MAX_ZIP_RATIO = int(env_str("EMIS_IMPORT_MAX_ZIP_RATIO", "200"))
EMIS_IMPORT_MAX_ZIP_MEMBERS = int(env_str("EMIS_IMPORT_MAX_ZIP_MEMBERS", "1000"))
# A workbook is first opened in a child process with this address-space ceiling (guard.probe): always an
# .xls, an .xlsx too unless EMIS_IMPORT_PROBE_XLSX is off (it costs a second parse).
EMIS_IMPORT_PROBE_MEMORY_MB = int(env_str("EMIS_IMPORT_PROBE_MEMORY_MB", "2048"))
EMIS_IMPORT_PROBE_XLSX = env_bool("EMIS_IMPORT_PROBE_XLSX", True)
EMIS_IMPORT_MAX_UPLOAD_MB = int(env_str("EMIS_IMPORT_MAX_UPLOAD_MB", "100"))
# A load that will at least outgrow a table (rows there < this fraction × the rows coming) drops the table's plain
# indexes and builds them once at its end (ADR 0020); 0 never does. PostgreSQL's DROP INDEX holds other users'
# reads of the table until the commit, so there only a first load into a nearly empty table does it by default.
EMIS_IMPORT_SET_ASIDE_INDEXES = {
    "sqlite": float(env_str("EMIS_IMPORT_SET_ASIDE_INDEXES_SQLITE", "1")),
    "postgresql": float(env_str("EMIS_IMPORT_SET_ASIDE_INDEXES_POSTGRESQL", "0.1")),
}
# PostgreSQL's sort memory for building those indexes and checking the foreign keys again (maintenance_work_mem and
# work_mem, for the import's transaction only).
EMIS_IMPORT_INDEX_BUILD_MEMORY = env_str("EMIS_IMPORT_INDEX_BUILD_MEMORY", "256MB")
# Batches one user may have waiting or running at once (uploads and commits beyond it are refused).
EMIS_IMPORT_MAX_QUEUED_PER_USER = int(env_str("EMIS_IMPORT_MAX_QUEUED_PER_USER", "3"))
# Row reasons kept in a batch's report and error workbook; the rest are only counted.
EMIS_IMPORT_MAX_REPORTED_ROWS = int(env_str("EMIS_IMPORT_MAX_REPORTED_ROWS", "1000"))
# Uploaded files are deleted this many days after upload (`emis purge_imports`, also run by the worker).
EMIS_IMPORT_RETENTION_DAYS = int(env_str("EMIS_IMPORT_RETENTION_DAYS", "30"))
# A batch queued or running longer than this was left by a dead worker; the purge marks it failed.
EMIS_IMPORT_STALE_HOURS = int(env_str("EMIS_IMPORT_STALE_HOURS", "6"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Accounts: login throttling, passwords, API tokens, two-factor login (docs/security.md, "Accounts") -------
from datetime import timedelta  # noqa: E402

INSTALLED_APPS += ["axes", "knox", "django_otp", "django_otp.plugins.otp_totp"]
# OTPMiddleware needs the session user (after AuthenticationMiddleware); OTPRequiredMiddleware sends roles that must
# use two-factor login to enrol or verify before anything else; AxesMiddleware must be last (turns a lockout
# raised anywhere below it into the lockout page).
MIDDLEWARE += [
    "django_otp.middleware.OTPMiddleware",
    "emis.accounts.middleware.OTPRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")},
    },
    # 12: long enough to resist offline guessing of a leaked hash; the demo passwords (14+) still pass.
    {"NAME": "emis.accounts.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock out a username from one address after 5 failures for 15 minutes. By username AND address: a whole office
# behind one NAT address shares an IP, so locking by address alone would lock out colleagues, and locking by
# username alone would let anyone lock out a known account from anywhere.
AXES_FAILURE_LIMIT = int(env_str("EMIS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env_str("EMIS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login, kept for the administrator's 登录失败记录 page
AXES_LOCKOUT_CALLABLE = "emis.accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "emis.accounts.security.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0: use the connection's address).
EMIS_TRUSTED_PROXY_COUNT = int(env_str("EMIS_TRUSTED_PROXY_COUNT", "0"))
# API tokens: stored as hashes (knox), one per login, expire after EMIS_TOKEN_TTL_DAYS.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=int(env_str("EMIS_TOKEN_TTL_DAYS", "7"))),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": 20,
}
# One convention for every list filter: an unset choice reads 「全部」 (django-filter's default is "---------"); the
# FilterSet base (emis.core.filtersets.all_choice) does the same for model choices.
FILTERS_EMPTY_CHOICE_LABEL = _("全部")
# The roles that use the programming interface (scripts, data exchange): the menu offers them the API documentation
# (接口文档) and their tokens (我的令牌). The API itself answers every signed-in user within their scope.
EMIS_API_ROLES = env_list("EMIS_API_ROLES", "admin")
# Two-factor login (TOTP). Roles listed here must enrol a device and enter its code at every login; any user who
# enrolled one voluntarily is asked too. Empty in the developer's profile and the tests (see local.py).
EMIS_OTP_REQUIRED_ROLES = env_list("EMIS_OTP_REQUIRED_ROLES", "admin,leader,section")
OTP_TOTP_ISSUER = "县域教育管理信息系统"
# --- end of accounts block ------------------------------------------------------------------------------------

# --- Security defaults (issue 10: safe defaults; see docs/security.md) -------------------------------------------
# Content Security Policy (django-csp 4): scripts only from our own static files, never inline, never eval. Page
# data reaches scripts through data-* attributes or json_script (type="application/json", which is not executed).
# Styles allow 'unsafe-inline': Tabler, ECharts tooltips, the Swagger UI and a few print and size rules use
# style attributes and <style> blocks; injected CSS cannot run code, and script-src stays strict.
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends EMIS_SESSION_IDLE_MINUTES after the last request (every request renews it, so
# an active user is never cut off) and when the browser closes. A shared office computer left signed in
# does not stay open to the next person for the two weeks of Django's default.
EMIS_SESSION_IDLE_MINUTES = int(env_str("EMIS_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = EMIS_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# `check --deploy` runs in CI with warnings as errors; three choice sets share the field name "level", which
# drf-spectacular reports (W001) unless each enum is named.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "DivisionLevelEnum": "emis.orgs.choices.DivisionLevel",
    "SchoolLevelEnum": "emis.students.choices.Level",
    "EntryLevelEnum": "emis.admissions.choices.EntryLevel",
    "WorkLevelEnum": "emis.work.declaration.Level",
}
# --- end of security defaults ------------------------------------------------------------------------------------

# Exact lookup of a person by ID number (pages and API together), per user: django-ratelimit's "N/s|m|h|d".
EMIS_ID_LOOKUP_RATE = env_str("EMIS_ID_LOOKUP_RATE", "30/h")
# Uploads larger than this go to a temporary file rather than memory; the upload handler refuses a body
# larger than the import limit before it is stored.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "emis.core.imports.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
