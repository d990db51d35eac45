"""``make serve`` and ``make up`` for real: migrations, static files collected with hashed names and
compressed variants, gunicorn with DEBUG off answering ``/health/`` and serving those files, JSON
logs with the request id; ``make up`` with a web, a worker and a beat process under honcho."""

import gzip
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.conftest import ROOT, require_service
from tests.ops.conftest import REDIS_URL, clean_env, free_port, redis_flushed, start, stop, wait_for

pytestmark = [
    pytest.mark.usefixtures("no_dotenv"),
    pytest.mark.skipif(shutil.which("make") is None, reason="make not installed"),
]

# The targets' prerequisites (virtualenv, npm, catalogues) are what `make test` has just done.
MAKE = ["make", "--no-print-directory", "-o", "install", "-o", "messages"]
BOOT_TIMEOUT = 90  # seconds: migrations and collectstatic included


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — our own loopback server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except OSError:
        return None, None, None


def _json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_make_serve_runs_gunicorn_with_debug_off_hashed_compressed_static_and_json_logs(tmp_path):
    port = free_port()
    static_root = tmp_path / "static"
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        PORT=str(port),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
    )
    log_path = tmp_path / "serve.log"
    server = start([*MAKE, "serve"], log_path, env)
    base = f"http://127.0.0.1:{port}"
    try:
        status = wait_for(lambda: fetch(f"{base}/health/")[0], BOOT_TIMEOUT, server)
        assert status == 200, log_path.read_text()[-3000:]
        status, headers, body = fetch(f"{base}/health/")
        assert json.loads(body) == {"status": "ok"}
        request_id = headers["X-Request-ID"]

        manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        hashed = manifest["css/app.css"]
        assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
        assert (static_root / f"{hashed}.gz").is_file()
        status, headers, body = fetch(f"{base}/static/{hashed}", {"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == (static_root / hashed).read_bytes()
        assert "immutable" in headers["Cache-Control"]

        status, headers, body = fetch(f"{base}/login/")
        assert status == 200, body[:2000]
        assert f"/static/{hashed}" in body.decode()  # pages link the hashed names
        assert "Strict-Transport-Security" not in headers  # plain http: no redirect, no HSTS
        assert fetch(f"{base}/static/css/missing.css")[0] == 404
        assert fetch(f"{base}/no-such-page/")[0] == 404  # DEBUG off: no technical page
    finally:
        stop(server)
    output = log_path.read_text()
    assert "warning: DJANGO_SECRET_KEY is not set" in output
    assert "DJANGO_SECURE_SSL_REDIRECT=0" in output
    lines = _json_lines(output)
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    access = [line for line in lines if line["logger"] == "gunicorn.access" and "/health/" in line["message"]]
    assert request_id in {line["request_id"] for line in access}
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found and all(line["request_id"] and line["level"] == "WARNING" for line in not_found)


def test_procfile_runs_the_makefile_gunicorn_command_and_both_queues():
    procfile = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    makefile = (ROOT / "Makefile").read_text()
    assert procfile["web"].strip() == "gunicorn --config python:cso_recruit.gunicorn_conf cso_recruit.wsgi"
    assert f"exec $(BIN)/{procfile['web'].strip()}" in makefile
    assert "-Q celery,reports" in procfile["worker"] and "beat" in procfile["beat"]


def test_the_procfile_worker_is_started_again_after_an_error_exit_and_not_after_a_clean_one(tmp_path):
    """A stand-in ``celery`` on the PATH exits 1 the first time (the worker's "Unrecoverable
    error"), 0 the second (a warm shutdown): the Procfile's worker line runs it exactly twice."""
    procfile = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    calls = tmp_path / "calls"
    fake = tmp_path / "celery"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$(wc -l < {calls})" -ge 2 ] && exit 0\nexit 1\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["sh", "-c", procfile["worker"].strip()], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert calls.read_text().splitlines() == ["-A cso_recruit worker -l info -Q celery,reports"] * 2
    assert "worker exited with status 1: restarting in 2 s" in result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "CELERY_BROKER_URL"])
def test_make_up_needs_postgresql_and_redis(missing):
    env = clean_env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/cso_ops", CELERY_BROKER_URL=REDIS_URL)
    del env[missing]
    result = subprocess.run([*MAKE, "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"make up needs {missing}" in result.stderr


def _database_url():
    db = connection.settings_dict
    user = f"{db['USER']}@" if db.get("USER") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.xdist_group("real_worker")
def test_make_up_starts_web_worker_and_beat(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require_service(redis_flushed(), "Redis (127.0.0.1:6379)")
    port = free_port()
    env = clean_env(
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=REDIS_URL,
        PORT=str(port),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"),
    )
    log_path = tmp_path / "up.log"
    processes = start([*MAKE, "up"], log_path, env)
    try:
        # 200 only once the worker answers the health check's ping on the broker.
        status = wait_for(
            lambda: fetch(f"http://127.0.0.1:{port}/health/")[0] == 200, BOOT_TIMEOUT, processes, interval=0.5
        )
        assert status, log_path.read_text()[-4000:]
        assert wait_for(lambda: "beat: Starting" in log_path.read_text(), 30, processes), (
            log_path.read_text()[-4000:]
        )
    finally:
        stop(processes)
    output = log_path.read_text()
    for name in ("web.1", "worker.1", "beat.1"):
        assert f"{name} started" in output
    assert list(tmp_path.glob("celerybeat-schedule*")), "beat keeps its state where it is told"
