"""Load and fault benchmark: gunicorn on PostgreSQL with a real Celery worker, simulated users, and
two faults in the middle of the load.

    .venv/bin/python bench/load_bench.py [--users 20] [--seconds 60] [--applications 200]

It creates a throw-away PostgreSQL database ``cso_loadbench`` (dropped first if a previous run left
it, dropped at the end), a private ``redis-server`` on a free loopback port (``tests.realworker``),
migrates, collects the static files into a temporary folder and builds one mandate with
``--applications`` applications as ``bench/pages_bench.py`` does (three raters' scorecards each,
observed sessions for 10 %), plus one recruiter account per simulated user, most of them with
scorecard drafts to submit. Then it starts, as in production (DEBUG off, JSON logs):

* gunicorn (``cso_recruit/gunicorn_conf.py``, ``WEB_CONCURRENCY`` × ``GUNICORN_THREADS``, default 2 × 4)
  on ``127.0.0.1`` only;
* one Celery worker, prefork pool, two children, both queues (``make worker``);
* in this process, every few seconds, what beat runs every minute: ``outbox_sweep`` and
  ``reports_sweep``.

``--users`` simulated users (threads, each with its own session, minted in the database, and its
CSRF token) then run for ``--seconds`` seconds, each at most ``--max-requests`` / ``--users``
requests, one action after another with 0.5–1.5 s of thinking in between: the pipeline board, the
CEO dashboard, a summary page, a scorecard submit (POST), a report request (POST, then the status
page it redirects to) and a working session scheduled (POST: three invitations e-mailed through the
outbox). Report requests and sessions are spread over the run (at most ``--reports`` and
``--sessions``). During the load:

* at ``--kill-at`` s (15) the worker child that is rendering a report is killed (``kill -9``; the
  child is found with ``celery inspect active``);
* at ``--outage-at`` s (30) the broker is stopped for ``--outage`` s (10), then started again
  (empty, as a Redis without persistence comes back): the worker must reconnect by itself.

If the worker exits instead of reconnecting, the target is missed, and another worker is started
(as a supervisor would) so that the counts still tell whether anything was lost. Then it waits (at
most ``--drain`` s) until no report is queued or rendering and no e-mail or task
request is pending, and prints per page the count and p50/p95/p99 (ms), the status codes, the 5xx
(during the outage window and outside it), the reports requested versus ready, and the e-mails: rows
pending/sent/failed, and the messages the worker and the sweep actually delivered (the file-based
e-mail backend writes each one to a file) compared, recipient and subject, with the sent rows.

Targets (issue 6): 0 lost reports (every version requested ends ready), 0 lost and 0 duplicated
e-mails, 0 responses 5xx (the broker outage included). Exit code 1 when one is missed, 2 when
PostgreSQL or ``redis-server`` is missing. Everything started is stopped, and the temporary folder
and the database removed, on success, failure or Ctrl-C.

Settings shortened for a one-minute run, in the environment of the web, the worker and this process
(the render's time limits travel in the task message from its publisher): ``OUTBOX_RETRY_AFTER=20``,
``REPORT_STALE_AFTER=30``, ``REPORT_RENDER_SOFT_TIME_LIMIT=20`` / ``REPORT_RENDER_TIME_LIMIT=30``.
PostgreSQL: ``LOADBENCH_POSTGRES`` (default ``DATABASE_URL`` when it is a PostgreSQL URL, else
``postgres://postgres@127.0.0.1:5432/``); only the database name is replaced.
"""

import argparse
import json
import logging
import math
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages_bench import analyse, build, percentile  # noqa: E402
from bench.report_bench import machine  # noqa: E402

HOST = "127.0.0.1"  # loopback only: the bench never talks to anything else
DB_NAME = "cso_loadbench"
SWEEP_EVERY = 3.0
THINK = (0.5, 1.5)
REPORT_POOL = 40  # report requests go to these applications (no rater holds a draft there)
DRAFTS_EACH = 10
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file-based backend writes after each message
#: Pages and actions with their weights in the users' mix (the POSTs are capped by their budgets).
MIX = {
    "pipeline board": 20,
    "CEO dashboard": 20,
    "summary page": 30,
    "scorecard submit": 12,
    "report request": 10,
    "session scheduling": 5,
}
PAGES = [*MIX, "report status"]
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "cso_recruit.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": HOST,
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_LOG_FORMAT": "json",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "OUTBOX_RETRY_AFTER": "20",
    "REPORT_STALE_AFTER": "30",
    "REPORT_RENDER_SOFT_TIME_LIMIT": "20",
    "REPORT_RENDER_TIME_LIMIT": "30",
    "PYTHONUNBUFFERED": "1",
}


# ------------------------------------------------------------------------------------ preliminaries


def postgres_url() -> str:
    """URL of the bench database (``cso_loadbench``) on the PostgreSQL server to use."""
    base = os.environ.get("LOADBENCH_POSTGRES") or os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = "postgres://postgres@127.0.0.1:5432/"
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB_NAME}"))


def _admin_sql(url: str, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def prerequisites(url: str) -> list[str]:
    """What is missing to run the bench (empty when PostgreSQL, redis-server, gunicorn are there)."""
    missing = []
    if shutil.which("redis-server") is None:
        missing.append("redis-server (apt-get install redis-server)")
    if not (
        Path(sys.executable).with_name("gunicorn").exists()
        and Path(sys.executable).with_name("celery").exists()
    ):
        missing.append("gunicorn and celery in this Python's environment (make install)")
    try:
        _admin_sql(url, "SELECT 1")
    except Exception as exc:  # noqa: BLE001 — any reason, reported as is
        missing.append(
            f"PostgreSQL at {urlsplit(url).hostname}:{urlsplit(url).port or 5432} ({str(exc).strip()})"
        )
    return missing


def children(pid: int) -> list[int]:
    """Process ids of the children of ``pid`` (``/proc``, else ``pgrep -P``)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            break
    else:
        if found:
            return found
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in result.stdout.split()]


def stop_group(process, timeout=20) -> None:
    """TERM the process group of ``process`` (started with ``start_new_session``), KILL after ``timeout``."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


# -------------------------------------------------------------------------------------------- data


@dataclass
class Account:
    """One simulated user's login: its session cookie, CSRF token and what it may write."""

    name: str
    cookie: str
    csrf: str
    drafts: list = field(default_factory=list)  # [(scorecard pk, [criterion ids])]
    can_schedule: bool = True


@dataclass
class World:
    """What the users work on: the mandate's addresses, the accounts, the report and session pools."""

    slug: str
    mediator_pk: int
    application_pks: list
    report_pool: list
    session_pool: list
    accounts: list


def mint_session(user) -> tuple[str, str]:
    """``(Cookie header, CSRF token)`` of a fresh logged-in session of ``user`` (saved in the
    database, as a login through ``/login/`` would; django-axes and password hashing are left out)."""
    from django.conf import settings
    from django.test import Client

    from accounts.testing import mark_second_factor_verified

    client = Client()
    client.force_login(user)
    mark_second_factor_verified(client, user, device_name="bench")  # the CEO must show one (accounts/)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}", token


def build_world(n_applications: int, n_users: int) -> World:
    """The pages bench's mandate (``bench.pages_bench.build``), one account per simulated user
    (the CEO, the mandate's recruiters, then new recruiters with ``DRAFTS_EACH`` drafts each), the
    stored figures rebuilt."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from assessments.models import Rating, Scorecard
    from assessments.services import framework_active
    from candidates.models import Application
    from figures.services import figures_rebuild

    mandate, rec1, fourth, _admin, _first, _drafts = build(n_applications, "load")
    figures_rebuild(mandate=mandate)
    applications = list(Application.objects.filter(mandate=mandate).order_by("pk"))
    pks = [a.pk for a in applications]
    pool = min(REPORT_POOL, len(pks) // 4)
    report_pool = pks[0 : 2 * pool : 2]  # even indices: pages_bench's drafts are on odd ones
    observed = set(pks[::10])  # already have three sessions
    session_pool = [pk for pk in pks[2 * pool :] if pk not in observed]
    random.Random(6).shuffle(session_pool)

    User = get_user_model()
    recruiter = Group.objects.get(name="recruiter")
    extra = max(0, n_users - 4)
    new = [
        User(
            username=f"load{i:02d}",
            email=f"load{i:02d}@example.org",
            first_name=f"Charge{i:02d}",
            last_name="Banc",
        )
        for i in range(extra)
    ]
    for user in new:
        user.set_unusable_password()
    new = User.objects.bulk_create(new)
    recruiter.user_set.add(*new)
    mandate.recruiters.add(*new)
    framework = framework_active()
    criteria = [c.pk for c in framework.criteria.order_by("order")]
    rated = pks[2 * pool :]
    drafts = Scorecard.objects.bulk_create(
        Scorecard(application_id=rated[(i * DRAFTS_EACH + k) % len(rated)], rater=user, framework=framework)
        for i, user in enumerate(new)
        for k in range(DRAFTS_EACH)
    )
    Rating.objects.bulk_create(Rating(scorecard=d, criterion_id=c, value=3) for d in drafts for c in criteria)
    by_rater = {}
    for draft in drafts:
        by_rater.setdefault(draft.rater_id, []).append((draft.pk, criteria))
    fourth_drafts = [
        (d.pk, criteria) for d in Scorecard.objects.filter(rater=fourth, status=Scorecard.Status.DRAFT)
    ]
    people = [mandate.ceo, rec1, User.objects.get(username="rec2-load"), fourth, *new][:n_users]
    accounts = []
    for user in people:
        cookie, token = mint_session(user)
        cards = fourth_drafts if user == fourth else by_rater.get(user.pk, [])
        accounts.append(Account(user.username, cookie, token, list(cards), can_schedule=user != mandate.ceo))
    analyse()
    return World(
        slug=mandate.slug,
        mediator_pk=mandate.mediators.get().pk,
        application_pks=pks,
        report_pool=report_pool,
        session_pool=session_pool,
        accounts=accounts,
    )


# ------------------------------------------------------------------------------------------- load


@dataclass
class Sample:
    """One request: page, start and end (s since the load began), status (``None``: no response)."""

    page: str
    start: float
    end: float
    status: int | None
    ok: bool
    note: str = ""

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


class Budget:
    """At most ``total`` uses, spread over ``seconds``: by time t, at most ``total × t / seconds`` + 1."""

    def __init__(self, total, seconds):
        self.total, self.seconds, self.used = total, seconds, 0
        self.lock = threading.Lock()

    def take(self, elapsed) -> bool:
        """True (and counted) when one more use is allowed now."""
        with self.lock:
            allowed = min(self.total, math.floor(self.total * elapsed / self.seconds) + 1)
            if self.used < allowed:
                self.used += 1
                return True
            return False


class Load:
    """The simulated users, their samples, and what the POSTs asked for."""

    def __init__(self, world, port, args):
        self.world, self.port, self.args = world, port, args
        self.samples: list[Sample] = []
        self.stop = threading.Event()
        self.t0 = 0.0
        self.reports = Budget(args.reports, args.seconds)
        self.sessions = Budget(args.sessions, args.seconds)
        self.session_slots = iter(range(10**6))
        self.lock = threading.Lock()
        self.report_ids: set[int] = set()
        self.report_answers = Counter()  # new / already pending / refused
        self.sessions_ok = 0
        self.requests = 0

    def begin(self):
        """Start the load's clock (the faults are timed on it)."""
        self.t0 = time.monotonic()

    def now(self) -> float:
        """Seconds since the load began."""
        return time.monotonic() - self.t0

    def http(self, account, method, path, data=None):
        """One request with ``account``'s cookies; returns ``(status or None, Location or error)``."""
        connection = HTTPConnection(HOST, self.port, timeout=self.args.timeout)
        headers = {"Cookie": account.cookie, "Connection": "close", "User-Agent": "cso-load-bench"}
        body = None
        if data is not None:
            body = urlencode(data)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": account.csrf})
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.getheader("Location") or ""
        except (OSError, HTTPException) as exc:
            return None, f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    def timed(self, account, page, method, path, data=None, expect=200, location=None):
        """Run one request, record its sample; returns ``(status, Location)``."""
        start = self.now()
        status, where = self.http(account, method, path, data)
        ok = status == expect and (location is None or bool(re.search(location, where)))
        note = "" if ok else f"{method} {path} → {status} {where}"[:300]
        self.samples.append(Sample(page, start, self.now(), status, ok, note))
        return status, where

    def act(self, account, rng):
        """One action of ``account``, chosen by the mix (a capped POST falls back to a summary page)."""
        w = self.world
        page = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if page == "scorecard submit" and not account.drafts:
            page = "summary page"
        if page == "report request" and not self.reports.take(self.now()):
            page = "summary page"
        if page == "session scheduling" and not (account.can_schedule and self.sessions.take(self.now())):
            page = "CEO dashboard"
        if page == "pipeline board":
            self.timed(account, page, "GET", f"/mandates/{w.slug}/")
        elif page == "CEO dashboard":
            self.timed(account, page, "GET", f"/mandates/{w.slug}/dashboard/")
        elif page == "summary page":
            self.timed(account, page, "GET", f"/applications/{rng.choice(w.application_pks)}/assessment/")
        elif page == "scorecard submit":
            draft, criteria = account.drafts.pop()
            data = {"recommendation": "yes", "summary": "", "submit": "1"}
            for criterion in criteria:
                data[f"value_{criterion}"] = "3"
                data[f"evidence_{criterion}"] = ""
            self.timed(
                account, page, "POST", f"/scorecards/{draft}/", data, expect=302, location=r"/assessment/$"
            )
        elif page == "report request":
            self.report_request(account, rng)
        elif page == "session scheduling":
            self.schedule(account)

    def report_request(self, account, rng):
        """POST a report request, then GET the status page it redirects to."""
        application = rng.choice(self.world.report_pool)
        status, where = self.timed(
            account,
            "report request",
            "POST",
            f"/applications/{application}/reports/request/",
            {},
            expect=302,
            location=r"/reports/(\d+)/$|/applications/\d+/reports/$",
        )
        found = re.search(r"/reports/(\d+)/$", where or "")
        if status != 302:
            return
        if not found:
            with self.lock:
                self.report_answers["refused (independence)"] += 1
            return
        pk = int(found.group(1))
        with self.lock:
            self.report_answers["already pending" if pk in self.report_ids else "new version"] += 1
            self.report_ids.add(pk)
        self.timed(account, "report status", "GET", f"/reports/{pk}/")

    def schedule(self, account):
        """POST a working session on a fresh application, at a slot of its own (three invitations)."""
        from datetime import date, timedelta

        w = self.world
        with self.lock:
            if not w.session_pool:
                return
            application, slot = w.session_pool.pop(), next(self.session_slots)
        day = date.today() + timedelta(days=14 + slot)
        data = {
            "date": day.isoformat(),
            "start": "10:00",
            "end": "11:00",
            "tz": "Europe/Paris",
            "location": "Visio",
            "problem": "Budget des fonctions support.",
            "mediator": w.mediator_pk,
        }
        status, _where = self.timed(
            account,
            "session scheduling",
            "POST",
            f"/applications/{application}/sessions/",
            data,
            expect=302,
            location=r"/sessions/$",
        )
        if status == 302:
            with self.lock:
                self.sessions_ok += 1

    def user(self, index):
        """One simulated user's loop, until the end of the run or its share of ``--max-requests``."""
        account = self.world.accounts[index]
        rng = random.Random(1000 + index)
        quota = max(1, self.args.max_requests // self.args.users)
        done = 0
        self.stop.wait(rng.uniform(0, 1))  # do not all start in the same millisecond
        while not self.stop.is_set() and self.now() < self.args.seconds and done < quota:
            self.act(account, rng)
            done += 1
            self.stop.wait(rng.uniform(*THINK))

    def run(self):
        """Start the users and wait for them (at most ``--seconds`` + the request timeout); the
        load's clock starts at ``begin``."""
        threads = [
            threading.Thread(target=self.user, args=(i,), daemon=True, name=f"user-{i}")
            for i in range(len(self.world.accounts))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.1, self.args.seconds + self.args.timeout + 5 - self.now()))
        self.stop.set()


# ----------------------------------------------------------------------------------------- faults


class Faults:
    """The worker child killed mid-render, then the broker stopped and started again."""

    def __init__(self, load, worker, redis, args):
        self.load, self.worker, self.redis, self.args = load, worker, redis, args
        self.events: list[str] = []
        self.outage = (math.inf, math.inf)
        self.killed_report = None
        self.reconnected_after = None
        self.thread = threading.Thread(target=self.run, daemon=True, name="faults")

    def say(self, text):
        """Note an event with its time."""
        self.events.append(f"t={self.load.now():.1f} s {text}")
        print(f"  t={self.load.now():5.1f} s  {text}", flush=True)

    def wait_until(self, t) -> bool:
        """Sleep until load time ``t``; False if the load was stopped."""
        return not self.load.stop.wait(max(0.0, t - self.load.now()))

    def rendering_child(self):
        """``(pid, report id)`` of a worker child running a render right now: ``celery inspect
        active`` names the task and its child, the database confirms the report is rendering."""
        from cso_recruit.celery import app
        from reports.models import Report

        try:
            active = app.control.inspect(timeout=1.0, limit=1).active() or {}
        except Exception:  # noqa: BLE001 — the broker or the worker not answering: try again
            return None
        mine = set(children(self.worker.pid))
        for tasks in active.values():
            for task in tasks:
                report = (task.get("kwargs") or {}).get("report_id")
                if (
                    task.get("name") == "reports.tasks.render_report"
                    and task.get("worker_pid") in mine
                    and Report.objects.filter(pk=report, status="rendering", task_id=task.get("id")).exists()
                ):
                    return task["worker_pid"], report
        return None

    def kill_child(self):
        """``kill -9`` the child rendering a report (any child if none renders before the outage)."""
        from django.db import connection

        try:
            while self.load.now() < self.args.outage_at - 2 and not self.load.stop.is_set():
                found = self.rendering_child()
                if found:
                    pid, report = found
                    os.kill(pid, signal.SIGKILL)
                    self.killed_report = report
                    self.say(f"kill -9 worker child {pid} while it renders report {report}")
                    return
                time.sleep(0.2)
        finally:
            connection.close()
        pids = children(self.worker.pid)
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            self.say(f"kill -9 worker child {pids[0]} (no render seen in progress)")

    def run(self):
        """The faults' timeline (in the load's clock)."""
        try:
            if self.args.kill_at >= 0:
                if not self.wait_until(self.args.kill_at):
                    return
                self.kill_child()
            if not self.wait_until(self.args.outage_at):
                return
            self.redis.stop()
            start = self.load.now()
            self.say("broker stopped (connections refused)")
            self.wait_until(self.args.outage_at + self.args.outage)
            self.redis.start()
            self.outage = (start, self.load.now())
            self.say("broker started again (empty)")
            self.watch_reconnect()
        except Exception as exc:  # noqa: BLE001 — reported; the run goes on
            self.say(f"fault injection failed: {type(exc).__name__}: {exc}")

    def watch_reconnect(self):
        """Wait (≤ 60 s) until the worker answers a ping through the restarted broker."""
        from cso_recruit.celery import app

        back = self.load.now()
        while self.load.now() < back + 60 and self.worker.poll() is None:
            try:
                if app.control.ping(timeout=1.0):
                    self.reconnected_after = self.load.now() - back
                    self.say(
                        f"worker answers through the broker again ({self.reconnected_after:.1f} s after)"
                    )
                    return
            except Exception:  # noqa: BLE001, S110 — not yet
                pass
            time.sleep(0.5)
        if self.worker.poll() is not None:
            self.say(f"the worker EXITED (status {self.worker.returncode}) instead of reconnecting")
        else:
            self.say("worker did NOT reconnect within 60 s")


class Sweeper:
    """What beat runs every minute, here every ``SWEEP_EVERY`` s: the outbox and reports sweeps."""

    def __init__(self):
        self.stop = threading.Event()
        self.totals = Counter()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.run, daemon=True, name="sweeper")

    def once(self):
        """One sweep of each; the counts are added to ``totals``."""
        from outbox.services import outbox_sweep
        from reports.services import reports_sweep

        try:
            outcome = outbox_sweep()
            for status, n in outcome["emails"].items():
                self.totals[f"e-mails {status} by the sweep"] += n
            self.totals["task requests re-sent"] += outcome["tasks"]["sent"]
            for key, n in reports_sweep().items():
                self.totals[f"reports {key} by the sweep"] += n
        except Exception as exc:  # noqa: BLE001 — counted and shown
            self.errors.append(f"{type(exc).__name__}: {exc}"[:300])

    def run(self):
        """Sweep until stopped."""
        from django.db import connection

        try:
            while not self.stop.wait(SWEEP_EVERY):
                self.once()
        finally:
            connection.close()


# -------------------------------------------------------------------------------------- services


def start_web(port, workdir, env):
    """gunicorn as in production (``make serve``), logs in ``workdir/web.log``; waits until it answers."""
    log = open(workdir / "web.log", "w")  # noqa: SIM115 — closed with the run
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "python:cso_recruit.gunicorn_conf",
            "cso_recruit.wsgi",
        ],
        cwd=ROOT,
        env={**env, "PORT": str(port), "GUNICORN_BIND_HOST": HOST},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            connection = HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/login/")
            if connection.getresponse().status == 200:
                connection.close()
                return process, log
        except OSError:
            time.sleep(0.3)
    tail = (workdir / "web.log").read_text(errors="replace")[-3000:]
    stop_group(process)
    log.close()
    raise SystemExit(f"gunicorn did not start:\n{tail}")


def wait_worker_ready(process, log_path, timeout=90):
    """Wait until the worker answers a ping; ``SystemExit`` with its log otherwise."""
    from cso_recruit.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if app.control.ping(timeout=1.0):
                return
        except Exception:  # noqa: BLE001, S110 — not yet
            pass
        time.sleep(0.5)
    raise SystemExit(
        f"the Celery worker did not start:\n{Path(log_path).read_text(errors='replace')[-3000:]}"
    )


def settle(timeout, worker) -> float:
    """Wait until nothing is pending (reports queued/rendering, e-mails, task requests), sweeping;
    returns the seconds waited (``timeout`` if it never settled, at once if the worker is gone)."""
    from outbox.models import OutboundEmail, TaskRequest
    from reports.models import Report

    started = time.monotonic()
    while time.monotonic() - started < timeout and worker.poll() is None:
        pending = (
            Report.objects.filter(status__in=["queued", "rendering"]).exists()
            or OutboundEmail.objects.filter(status="pending").exists()
            or TaskRequest.objects.filter(status="pending").exists()
        )
        if not pending:
            return time.monotonic() - started
        time.sleep(1)
    return timeout


# ------------------------------------------------------------------------------------------ results


def delivered_mail(folder: Path) -> Counter:
    """``Counter((recipient, subject))`` of every message the file-based backend wrote in ``folder``."""
    found = Counter()
    for path in sorted(folder.glob("*")):
        for chunk in path.read_bytes().split(MAIL_SEPARATOR):
            if chunk.strip():
                message = message_from_bytes(chunk.strip(), policy=email_policy.default)
                found[(str(message["To"]).strip().lower(), " ".join(str(message["Subject"]).split()))] += 1
    return found


def server_errors(log_path: Path, limit=3, levels=("ERROR", "CRITICAL")) -> list[str]:
    """The first ``limit`` lines of ``levels`` in a JSON log (with their traceback)."""
    found = []
    if not log_path.exists():
        return found
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") in levels:
            found.append(f"{record.get('logger')}: {record.get('message')}\n{record.get('exc_info', '')}")
            if len(found) >= limit:
                break
    return found


def delays(name, pairs) -> str:
    """``name: p50 … s, p95 … s, max … s`` of the seconds between the two times of each pair."""
    seconds = [(b - a).total_seconds() for a, b in pairs if a and b]
    if not seconds:
        return f"{name}: none"
    return (
        f"{name} p50 {statistics.median(seconds):.1f} s, p95 {percentile(seconds, 0.95):.1f} s, "
        f"max {max(seconds):.1f} s"
    )


def outcome(load, faults, sweeper, workdir, drained, drain_timeout) -> bool:
    """Print the tables and the targets; True when every target is met."""
    from outbox.models import OutboundEmail, TaskRequest
    from reports.models import Report
    from sessions.models import WorkingSession

    samples = load.samples
    start, end = faults.outage
    in_outage = [s for s in samples if s.end >= start and s.start <= end]
    outage_ids = {id(s) for s in in_outage}
    print(f"\nMachine: {machine()}")
    print(
        f"Run: {len(load.world.accounts)} users, {load.args.seconds} s, {len(load.world.application_pks)} "
        f"applications, {len(samples)} requests\nFaults: " + "; ".join(faults.events)
    )
    print("\n| page | requests | p50 ms | p95 ms | p99 ms | max ms | not as expected |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for page in PAGES:
        times = [s.ms for s in samples if s.page == page]
        if not times:
            continue
        bad = sum(1 for s in samples if s.page == page and not s.ok)
        print(
            f"| {page} | {len(times)} | {statistics.median(times):.0f} | {percentile(times, 0.95):.0f} | "
            f"{percentile(times, 0.99):.0f} | {max(times):.0f} | {bad} |"
        )
    outage_times = [s.ms for s in in_outage]
    if outage_times:
        print(
            f"| (all, during the outage) | {len(outage_times)} | {statistics.median(outage_times):.0f} | "
            f"{percentile(outage_times, 0.95):.0f} | {percentile(outage_times, 0.99):.0f} | {max(outage_times):.0f} "
            f"| {sum(1 for s in in_outage if not s.ok)} |"
        )
    codes = Counter("no response" if s.status is None else str(s.status) for s in samples)
    five = [s for s in samples if s.status is not None and s.status >= 500]
    five_outage = [s for s in five if id(s) in outage_ids]
    unexpected = [s for s in samples if not s.ok]
    print("\nStatus codes: " + ", ".join(f"{code} × {n}" for code, n in sorted(codes.items())))
    print(
        f"5xx: {len(five)} ({len(five_outage)} during the broker outage, {len(five) - len(five_outage)} outside); "
        f"no response: {codes.get('no response', 0)}; not as expected: {len(unexpected)}"
    )
    for sample in unexpected[:5]:
        print(f"  t={sample.start:5.1f} s {sample.page}: {sample.note}")

    reports = Counter(Report.objects.values_list("status", flat=True))
    created = sum(reports.values())
    lost_reports = created - reports.get("ready", 0)
    unseen = len(load.report_ids - set(Report.objects.values_list("pk", flat=True)))
    interrupted = Report.objects.filter(interruptions__gt=0).count()
    killed = Report.objects.filter(pk=faults.killed_report).first() if faults.killed_report else None
    print(
        f"\nReports: {sum(load.report_answers.values())} requests answered 302 "
        f"({', '.join(f'{k} {n}' for k, n in sorted(load.report_answers.items()))}); versions created {created}, "
        f"ready {reports.get('ready', 0)}, failed {reports.get('failed', 0)}, "
        f"still queued/rendering {reports.get('queued', 0) + reports.get('rendering', 0)}; "
        f"redirected to a missing report {unseen}; interrupted renders taken over {interrupted}"
        + (
            f"; the killed child's report: {killed.status} after {killed.attempts} attempts "
            f"({killed.interruptions} interrupted)"
            if killed
            else ""
        )
    )

    print(
        "Delays: "
        + "; ".join(
            delays(name, pairs)
            for name, pairs in (
                (
                    "report requested → ready",
                    Report.objects.filter(status="ready").values_list("requested_at", "finished_at"),
                ),
                (
                    "e-mail written → sent",
                    OutboundEmail.objects.filter(status="sent").values_list("created_at", "sent_at"),
                ),
            )
        )
    )

    rows = Counter(OutboundEmail.objects.values_list("status", flat=True))
    sent = Counter(
        (to.strip().lower(), " ".join(subject.split()))
        for to, subject in OutboundEmail.objects.filter(status="sent").values_list("to", "subject")
    )
    same = Counter(
        (e.to, e.subject, json.dumps(e.attachments, sort_keys=True))
        for e in OutboundEmail.objects.filter(status="sent")
    )
    delivered = delivered_mail(workdir / "mail")
    expected_rows = 3 * WorkingSession.objects.filter(status=WorkingSession.Status.PLANNED).count()
    never_delivered = sum(max(0, n - delivered[key]) for key, n in sent.items())
    delivered_twice = sum(max(0, n - sent[key]) for key, n in delivered.items())
    duplicate_rows = sum(n - 1 for n in same.values() if n > 1)
    missing_rows = max(0, expected_rows - sum(rows.values()))
    lost_mail = rows.get("pending", 0) + rows.get("failed", 0) + never_delivered + missing_rows
    print(
        f"E-mails: {load.sessions_ok} sessions scheduled → {expected_rows} expected; outbox rows "
        f"{sum(rows.values())} (sent {rows.get('sent', 0)}, pending {rows.get('pending', 0)}, failed "
        f"{rows.get('failed', 0)}); messages delivered {sum(delivered.values())}; sent but not delivered "
        f"{never_delivered}; delivered more than once {delivered_twice}; duplicate sent rows {duplicate_rows}"
    )
    tasks = Counter(TaskRequest.objects.values_list("status", flat=True))
    swept = {k: n for k, n in sweeper.totals.items() if n}
    print(
        f"Task requests: {dict(tasks)}; sweeps: {swept or 'nothing to do'}"
        + (f"; sweep errors {len(sweeper.errors)}: {sweeper.errors[0]}" if sweeper.errors else "")
    )
    lines = (workdir / "worker.log").read_text(errors="replace").splitlines()
    print(
        "Worker log lines: "
        + ", ".join(
            f"{text} × {sum(1 for line in lines if text in line)}"
            for text in ("WorkerLostError", "Connection to broker lost", "Connected to redis", "succeeded in")
        )
    )
    print(
        f"Settled {drained:.0f} s after the load"
        if drained < drain_timeout
        else f"NOT settled {drain_timeout:.0f} s after the load (or no worker left)"
    )
    if faults.worker.poll() is not None:
        print(
            f"\nThe worker EXITED during the run (status {faults.worker.returncode}); its last words (worker.log):"
        )
        for text in server_errors(workdir / "worker.log", limit=1, levels=("CRITICAL",)):
            lines = text.splitlines()
            print("\n".join(lines[:1] + ["  …"] + lines[-14:]))
    if five:
        print("\nServer errors (web.log):")
        for text in server_errors(workdir / "web.log"):
            print(text)

    checks = {
        "0 lost reports": lost_reports == 0 and unseen == 0,
        "0 lost e-mails": lost_mail == 0,
        "0 duplicated e-mails": delivered_twice == 0 and duplicate_rows == 0,
        "0 responses 5xx (outage included)": not five,
        "every response as expected": not unexpected,
        "the worker reconnected (and is still running)": faults.reconnected_after is not None
        and faults.worker.poll() is None,
    }
    print("\nTargets: " + "; ".join(f"{name} {'✔' if ok else '✘'}" for name, ok in checks.items()))
    return all(checks.values())


# ---------------------------------------------------------------------------------------------- main


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main():
    """Parse the options, set everything up, run the load with its faults, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="simulated users (threads)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the load")
    parser.add_argument("--applications", type=int, default=200, help="applications in the mandate")
    parser.add_argument(
        "--reports", type=int, default=30, help="report requests at most (spread over the run)"
    )
    parser.add_argument(
        "--sessions", type=int, default=20, help="sessions scheduled at most (3 e-mails each)"
    )
    parser.add_argument("--max-requests", type=int, default=5000, help="requests at most, all users together")
    parser.add_argument("--timeout", type=float, default=35, help="seconds before a request is given up")
    parser.add_argument(
        "--kill-at",
        type=float,
        default=15,
        help="when the rendering worker child is killed (s; negative: never)",
    )
    parser.add_argument("--outage-at", type=float, default=30, help="when the broker is stopped (s)")
    parser.add_argument("--outage", type=float, default=10, help="how long the broker stays down (s)")
    parser.add_argument("--drain", type=float, default=120, help="longest wait for the work to settle (s)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (logs, e-mails) for reading"
    )
    args = parser.parse_args()
    if not (1 <= args.users <= 200 and 1 <= args.seconds <= 600 and 20 <= args.applications <= 20000):
        parser.error("--users must be 1–200, --seconds 1–600 and --applications 20–20,000")

    database = postgres_url()
    missing = prerequisites(database)
    if missing:
        print("load_bench needs PostgreSQL and redis-server; missing: " + "; ".join(missing), file=sys.stderr)
        sys.exit(2)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background (SIG_IGN)
    ok = False
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="cso-load-bench-"))
        if args.keep:
            stack.callback(print, f"Work folder kept: {workdir}")
        else:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        (workdir / "mail").mkdir()
        _admin_sql(database, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        _admin_sql(database, f'CREATE DATABASE "{DB_NAME}"')
        stack.callback(_admin_sql, database, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')

        # Django's settings are read later, from the environment set below.
        from tests.realworker import PrivateRedis, free_port

        redis = PrivateRedis()
        env = {
            **os.environ,
            **BENCH_ENV,
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": redis.url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_EMAIL_FILE_PATH": str(workdir / "mail"),
        }
        os.environ.update(env)
        redis.start()
        stack.callback(redis.stop)
        print(
            f"Database {DB_NAME} on {urlsplit(database).hostname}; broker {redis.url}; work folder {workdir}"
        )

        started = time.monotonic()
        collect = subprocess.Popen(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(stop_group, collect)
        import django

        django.setup()
        logging.getLogger().handlers = [
            logging.FileHandler(workdir / "bench.log")
        ]  # this process's own lines
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        world = build_world(args.applications, args.users)
        stack.callback(connection.close)
        output, _ = collect.communicate(timeout=300)
        if collect.returncode:
            raise SystemExit(f"collectstatic failed:\n{output.decode(errors='replace')[-3000:]}")
        print(
            f"Set up in {time.monotonic() - started:.0f} s: migrated, {args.applications} applications, "
            f"{len(world.accounts)} accounts, static files collected"
        )

        from tests.realworker import start_worker, stop_worker

        worker, worker_log = start_worker(
            workdir / "worker.log", broker=redis.url, pool="prefork", concurrency=2, name="loadbench", env=env
        )
        stack.callback(stop_worker, worker, worker_log)
        port = free_port()
        web, web_log = start_web(port, workdir, env)
        stack.callback(web_log.close)
        stack.callback(stop_group, web)
        wait_worker_ready(worker, workdir / "worker.log")
        print(
            f"gunicorn on http://{HOST}:{port} (pid {web.pid}), worker pid {worker.pid}; load for {args.seconds} s"
        )

        load = Load(world, port, args)
        faults = Faults(load, worker, redis, args)
        sweeper = Sweeper()
        stack.callback(sweeper.stop.set)
        stack.callback(load.stop.set)
        load.begin()
        sweeper.thread.start()
        faults.thread.start()
        try:
            load.run()
            faults.thread.join(timeout=70)
            running = worker
            if worker.poll() is not None:  # what a supervisor would do (the target is missed all the same)
                print(
                    f"The worker exited (status {worker.returncode}): starting another one, as a supervisor would"
                )
                running, second_log = start_worker(
                    workdir / "worker-2.log",
                    broker=redis.url,
                    pool="prefork",
                    concurrency=2,
                    name="loadbench2",
                    env=env,
                )
                stack.callback(stop_worker, running, second_log)
                wait_worker_ready(running, workdir / "worker-2.log")
            print(
                f"Load over after {load.now():.0f} s; waiting for the work to settle (at most {args.drain:.0f} s)"
            )
            drained = settle(args.drain, running)
        finally:
            load.stop.set()
            sweeper.stop.set()
            sweeper.thread.join(timeout=60)
        ok = outcome(load, faults, sweeper, workdir, drained, args.drain)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\ninterrupted: everything started was stopped and removed", file=sys.stderr)
        sys.exit(130)
