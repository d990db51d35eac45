"""Settings from the environment, checked in fresh interpreters: production refuses to start
without ``DJANGO_SECRET_KEY``; ``check --deploy`` is clean with production variables; no
environment means SQLite and eager Celery; ``makemigrations --check`` finds nothing to do."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROD_SECRET = "k3!x9#Qm2$wZr8^Lp5&Tn7*Vb4(Hc6)Jd1-Fg0_Ys+Ue=Ai~Oo;Ww:Ee,Rr.Tt/Yy?Uu"  # noqa: S105
SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from cso_recruit.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "debug": settings.DEBUG, "eager": settings.CELERY_TASK_ALWAYS_EAGER, "broker": settings.CELERY_BROKER_URL,
    "celery_eager": app.conf.task_always_eager, "celery_serializer": app.conf.task_serializer,
    "language": settings.LANGUAGE_CODE, "languages": [code for code, _ in settings.LANGUAGES],
    "time_zone": settings.TIME_ZONE, "secret_is_dev": settings.SECRET_KEY.startswith("dev-only"),
}))
"""


def clean_env(**extra):
    """The current environment without any project variable but ``DJANGO_DEBUG=1`` (what the
    Makefile's development targets set), plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CSO_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "cso_recruit.settings"
    env["DJANGO_DEBUG"] = "1"
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def run(args, **extra):
    return subprocess.run(  # noqa: S603 — our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env=clean_env(**extra), capture_output=True, text=True, timeout=120
    )


@pytest.fixture(autouse=True)
def _no_dotenv():
    if (ROOT / ".env").exists():
        pytest.skip("a .env file is present: these tests check the bare environment")


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["-c", "import django; django.setup()"], DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)." in result.stderr


def test_production_refuses_an_empty_secret_key_too():
    result = run(["manage.py", "check"], DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=PROD_SECRET,
        DJANGO_ALLOWED_HOSTS="cso.example.org",
        SITE_URL="https://cso.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_warns_when_email_links_would_point_at_the_loopback():
    result = run(
        ["manage.py", "check", "--deploy"],
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=PROD_SECRET,
        DJANGO_ALLOWED_HOSTS="cso.example.org",
    )
    assert "(outbox.W001) SITE_URL is 'http://127.0.0.1:8000'" in result.stdout + result.stderr


def test_production_settings_values():
    result = run(
        [
            "-c",
            SHOW_SETTINGS
            + """
print(json.dumps([settings.ALLOWED_HOSTS, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,
                  settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS]))
""",
        ],
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=PROD_SECRET,
        DJANGO_ALLOWED_HOSTS="cso.example.org,www.cso.example.org",
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.strip().splitlines()
    shown = json.loads(first)
    assert (shown["debug"], shown["secret_is_dev"]) == (False, False)
    assert json.loads(second) == [["cso.example.org", "www.cso.example.org"], True, True, True, 31536000]


def test_a_bare_environment_starts_on_the_embedded_default():
    result = run(["-c", SHOW_SETTINGS], DJANGO_DEBUG=None)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["engine"], shown["debug"], shown["eager"]) == ("django.db.backends.sqlite3", True, True)


def test_a_configured_database_means_debug_off_and_a_secret_key_required():
    result = run(
        ["-c", "import django; django.setup()"],
        DJANGO_DEBUG=None,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/cso_recruit",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)." in result.stderr
    assert "For development, set DJANGO_DEBUG=1" in result.stderr


def test_debug_alone_means_sqlite_eager_celery_french_and_paris():
    result = run(["-c", SHOW_SETTINGS])
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"] == str(ROOT / "db.sqlite3")
    assert (shown["debug"], shown["secret_is_dev"]) == (True, True)
    assert (shown["eager"], shown["celery_eager"]) == (True, True)
    assert shown["broker"].startswith("memory://")  # in-process: nothing else to run
    assert shown["celery_serializer"] == "json"
    assert (shown["language"], shown["languages"], shown["time_zone"]) == ("fr", ["fr", "en"], "Europe/Paris")


def test_database_url_and_broker_switch_to_postgresql_and_a_real_worker():
    result = run(
        ["-c", SHOW_SETTINGS],
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/cso_recruit",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["engine"], shown["name"], shown["host"]) == (
        "django.db.backends.postgresql",
        "cso_recruit",
        "127.0.0.1",
    )
    assert (shown["eager"], shown["celery_eager"], shown["broker"]) == (
        False,
        False,
        "redis://127.0.0.1:6379/0",
    )


def test_makemigrations_check_is_clean(tmp_path):
    result = run(
        ["manage.py", "makemigrations", "--check", "--dry-run"],
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "No changes detected"
