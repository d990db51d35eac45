"""Serving settings read from the environment, checked in fresh interpreters (no ``.env``):
connection age, e-mail timeout, log format, static files storage, error reporting."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.ops.conftest import clean_env

pytestmark = pytest.mark.usefixtures("no_dotenv")

PROD = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k3!x9#Qm2$wZr8^Lp5&Tn7*Vb4(Hc6)Jd1-Fg0_Ys+Ue=Ai~Oo;Ww"}
SHOW = """
import json, sys, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "conn_max_age": db["CONN_MAX_AGE"], "conn_health_checks": db["CONN_HEALTH_CHECKS"],
    "email_timeout": settings.EMAIL_TIMEOUT, "log_format": settings.LOG_FORMAT,
    "formatter": settings.LOGGING["handlers"]["console"]["formatter"],
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"], "use_finders": settings.WHITENOISE_USE_FINDERS,
    "sentry_imported": "sentry_sdk" in sys.modules,
}))
"""


def show(**env):
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default():
    shown = show()
    assert (shown["conn_max_age"], shown["conn_health_checks"], shown["email_timeout"]) == (0, True, 10)
    assert (shown["log_format"], shown["formatter"]) == ("console", "console")
    assert (
        shown["staticfiles"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
        and shown["use_finders"]
    )
    assert shown["sentry_imported"] is False


def test_production_defaults():
    shown = show(**PROD)
    assert (shown["conn_max_age"], shown["email_timeout"], shown["log_format"]) == (60, 10, "json")
    assert shown["staticfiles"] == "cso_recruit.storage.StaticFilesStorage" and not shown["use_finders"]
    assert shown["sentry_imported"] is False


def test_values_from_the_environment():
    shown = show(**PROD, DJANGO_CONN_MAX_AGE="120", DJANGO_EMAIL_TIMEOUT="3", DJANGO_LOG_FORMAT="console")
    assert (shown["conn_max_age"], shown["email_timeout"], shown["log_format"]) == (120, 3, "console")
    assert show(DJANGO_CONN_MAX_AGE="0", **PROD)["conn_max_age"] == 0
    assert (
        show(DATABASE_URL="postgres://postgres@127.0.0.1:5432/cso_ops?conn_max_age=30")["conn_max_age"] == 30
    )
    assert show(DJANGO_LOG_FORMAT="json")["formatter"] == "json"


@pytest.mark.parametrize(("name", "value"), [("DJANGO_LOG_FORMAT", "xml"), ("DJANGO_EMAIL_TIMEOUT", "soon")])
def test_a_wrong_value_stops_the_start(name, value):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean_env(**{name: value}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    if name == "DJANGO_LOG_FORMAT":
        assert "DJANGO_LOG_FORMAT must be one of json, console, not 'xml'" in result.stderr


def test_sentry_only_when_its_dsn_is_set():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            """
import json, django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(json.dumps([client.is_active(), str(client.dsn), client.options["send_default_pii"],
                  client.options["environment"], client.options["traces_sample_rate"]]))
""",
        ],
        cwd=ROOT,
        env=clean_env(**PROD, SENTRY_DSN="http://public@127.0.0.1:9/1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        True,
        "http://public@127.0.0.1:9/1",
        False,
        "production",
        0.0,
    ]
