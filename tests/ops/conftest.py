"""Helpers for the production-serving tests: free ports, subprocess environments, a real worker.

The tests that need Redis use database 12 (others use 15 and 14) and share the ``real_worker``
xdist group with the report's real-worker test, so that no two workers run at once.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

REDIS_URL = "redis://127.0.0.1:6379/12"
BIN = Path(sys.executable).parent


@pytest.fixture
def no_dotenv():
    if (ROOT / ".env").exists():
        pytest.skip("a .env file is present: these tests set the environment themselves")


def clean_env(**extra):
    """The current environment without any project variable but ``DJANGO_DEBUG=1`` (what the
    Makefile's development targets set), plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CSO_"))
    }
    for name in ("SENTRY_DSN", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND_HOST"):
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "cso_recruit.settings"
    env["DJANGO_DEBUG"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_flushed(url=REDIS_URL) -> bool:
    """Empty the test's Redis database (stale messages of earlier runs); False if unreachable."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
        return True
    except Exception:
        return False


def start(command, log_path, env):
    """Start ``command`` in its own process group, output (both streams) to ``log_path``."""
    log = open(log_path, "w")  # noqa: SIM115 — closed by stop()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log = log
    return process


def stop(process, timeout=20):
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
    finally:
        process.log.close()


def start_worker(log_path, env):
    """A Celery worker on both queues, as ``make worker`` and the Procfile run it (solo pool)."""
    command = [
        str(BIN / "celery"),
        "-A",
        "cso_recruit",
        "worker",
        "-Q",
        "celery,reports",
        "--pool=solo",
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"ops-test-{os.getpid()}@%h",
    ]
    return start(command, log_path, env)


def wait_for(predicate, timeout, process=None, interval=0.25):
    """Poll ``predicate`` until it returns a truthy value (returned) or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process is not None and process.poll() is not None:
            return predicate()
        time.sleep(interval)
    return None
