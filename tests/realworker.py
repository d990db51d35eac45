"""Harness for the tests that need the real thing: a Celery worker process on Redis and the test's
PostgreSQL database, and (fault tests, the load benchmark) a private Redis server that can be
stopped and started again to make the broker unreachable without touching anybody else's.

The rows must be committed for the worker to see them (``transaction=True`` tests); the worker is
given the test database's real name (pytest-django's ``test_<name>``) and the test's media folder.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from cso_recruit.celery import app as celery_app


def broker_url() -> str:
    """The Redis broker of the environment (``CELERY_BROKER_URL``), or "" without one."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else ""


def redis_flushed(url) -> bool:
    """Empty the Redis database of ``url`` (stale tasks of earlier runs); False if unreachable."""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
        return True
    except Exception:
        return False


def database_url() -> str:
    """The URL of the database the test runs on (the worker must use the same)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{credentials}@" if credentials else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{host}{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


def start_worker(
    log_path,
    *,
    broker=None,
    app="cso_recruit",
    pool="solo",
    concurrency=1,
    env=None,
    queues="celery,reports",
    name="test",
):
    """Start ``celery -A app worker`` in its own process group; returns ``(process, log file)``.
    ``pool="prefork"`` gives a parent that survives its child's death (fault tests)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cso_recruit.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker or broker_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    celery = Path(sys.executable).with_name("celery")
    command = [
        str(celery),
        "-A",
        app,
        "worker",
        "-Q",
        queues,
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]
    log = open(log_path, "w")  # noqa: SIM115 — closed by stop_worker
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=log,  # noqa: S603
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def stop_worker(process, log) -> None:
    """Stop the worker's process group (TERM, then KILL after 15 s) and close its log."""
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
    finally:
        log.close()


def wait_until(predicate, *, timeout, process=None, log_path=None, what="the condition"):
    """Poll ``predicate()`` every 0.2 s until true; ``AssertionError`` with the worker's log tail
    after ``timeout`` seconds or when the worker exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.2)
    tail = Path(log_path).read_text(errors="replace")[-4000:] if log_path else ""
    exit_status = process.poll() if process is not None else None
    raise AssertionError(f"timed out waiting for {what} (worker exit {exit_status})\n{tail}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A throw-away ``redis-server`` on a free loopback port, no persistence: ``start()``,
    ``stop()`` (the broker is then unreachable: connections are refused), ``start()`` again."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = [
            shutil.which("redis-server"),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _reset_pools():
    """Close every broker connection of this process and forget the pools (kombu keeps producer
    pools in a global registry keyed by connection: a pool merely closed would stay registered,
    closed, and fail every later publish with "Acquire on closed pool")."""
    from kombu import pools

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    pools.reset()
    celery_app.amqp._producer_pool = None


@contextmanager
def publishing_to(url):
    """This process publishes its tasks to ``url`` (not eagerly) inside the block. Celery reads
    ``CELERY_BROKER_URL`` from the environment before its configuration (``Settings.broker_url``),
    so both are set."""
    old_conf, old_eager = celery_app.conf.get("broker_url"), celery_app.conf.task_always_eager
    old_env = os.environ.get("CELERY_BROKER_URL")
    _reset_pools()
    celery_app.conf.broker_url = url
    os.environ["CELERY_BROKER_URL"] = url
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        _reset_pools()
        celery_app.conf.broker_url = old_conf
        if old_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = old_env
        celery_app.conf.task_always_eager = old_eager
