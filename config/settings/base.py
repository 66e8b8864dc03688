"""Settings shared by every deployment; local/test/production only override."""

import dj_database_url
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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

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

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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

# Background work (imports, reports) goes through Django's Tasks API. One machine: the database backend
# (`make worker`). Many workers: EMIS_TASKS=rq queues on Redis (`manage.py rqworker default
# --job-class django_tasks_rq.Job`, as many as needed).
EMIS_REDIS_URL_FOR_TASKS = env_str("EMIS_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": EMIS_REDIS_URL_FOR_TASKS, "DEFAULT_TIMEOUT": 3 * 3600}}
if env_str("EMIS_TASKS", "db") == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
else:
    TASKS = {"default": {"BACKEND": env_str("EMIS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("EMIS_LOG_LEVEL", "WARNING")},
}

# Domain configuration that is deployment-wide rather than per-bureau data.
EMIS_PROVINCE_CODE = env_str("EMIS_PROVINCE_CODE", "42")
EMIS_COUNTY_CODE = env_str("EMIS_COUNTY_CODE", "421224")
EMIS_LIST_PAGE_SIZE = 25
EMIS_EXPORT_MAX_ROWS = 200_000
# Keys for children's ID numbers at rest (emis.core.crypto): never in the database or a backup. Empty here:
# local and test settings supply development keys, production refuses to start without real ones.
EMIS_DATA_KEYS = env_str("EMIS_DATA_KEYS")
EMIS_HASH_KEY = env_str("EMIS_HASH_KEY")
EMIS_IMPORT_MAX_ROWS = int(env_str("EMIS_IMPORT_MAX_ROWS", "2000000"))
EMIS_IMPORT_MAX_UPLOAD_MB = int(env_str("EMIS_IMPORT_MAX_UPLOAD_MB", "300"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
