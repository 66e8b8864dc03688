"""The task backend is chosen by one setting, EMIS_TASKS (`db` or `rq`), read in config/settings/base.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOW = "import config.settings.local as s; print(s.TASKS['default']['BACKEND'])"


def settings_process(**env_overrides: str) -> subprocess.CompletedProcess:
    """Imports the developer settings in a fresh process, with none of the EMIS_TASKS* variables of the run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMIS_TASKS") and k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_database_backend_is_the_default():
    assert settings_process().stdout.strip() == "django_tasks_db.DatabaseBackend"


def test_emis_tasks_rq_chooses_redis():
    assert settings_process(EMIS_TASKS="rq").stdout.strip() == "django_tasks_rq.RQBackend"


def test_the_old_second_name_is_not_read_and_an_unknown_backend_is_refused():
    assert settings_process(EMIS_TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend").stdout.strip() == (
        "django_tasks_db.DatabaseBackend"
    )
    refused = settings_process(EMIS_TASKS="celery")
    assert refused.returncode != 0
    assert "EMIS_TASKS must be db or rq, not 'celery'" in refused.stderr


def test_the_rq_packages_are_loaded_only_when_rq_is_chosen():
    show = "import config.settings.local as s; print('django_rq' in s.INSTALLED_APPS, hasattr(s, 'RQ_QUEUES'))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMIS_TASKS") and k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    for choice, expected in (("db", "False False"), ("rq", "True True")):
        env["EMIS_TASKS"] = choice
        shown = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True)
        assert shown.stdout.strip() == expected, shown.stderr
