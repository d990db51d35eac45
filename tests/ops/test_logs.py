"""Logs: JSON lines with the request id during a request (and the id in the response), the task id
and the request's id inside a Celery task, eager or in a real worker."""

import io
import json
import logging
import logging.config
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django_guid import get_guid, set_guid

from cso_recruit import logs
from cso_recruit.celery import app as celery_app
from tests.conftest import ROOT, require_service
from tests.ops.conftest import REDIS_URL, clean_env, redis_flushed, start_worker, stop, wait_for

pytestmark = pytest.mark.django_db


@celery_app.task(name="tests.ops.log_inside_a_task")
def log_inside_a_task():
    logging.getLogger("tests.ops").warning("inside the task")
    return get_guid()


@pytest.fixture
def json_lines():
    """The project's logging configuration in JSON, its output captured; Django's put back after."""
    logging.config.dictConfig(logs.logging_config(fmt="json", level="INFO"))
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logging.config.dictConfig(settings.LOGGING)
        set_guid(None)


def test_a_log_line_during_a_request_is_json_with_the_request_id(client, json_lines):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /no-such-page/"
    assert (line["level"], line["request_id"], line["task_id"]) == ("WARNING", request_id, None)
    assert {"time", "process"} <= line.keys()


def test_an_incoming_request_id_is_kept_and_an_invalid_one_replaced(client, json_lines):
    incoming = str(uuid.uuid4())
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming
    assert json_lines()[-1]["request_id"] == incoming
    forged = client.get("/no-such-page/", HTTP_X_REQUEST_ID='"}\n{"level": "forged')
    assert forged["X-Request-ID"] != '"}\n{"level": "forged' and len(forged["X-Request-ID"]) == 32


def test_an_eager_task_logs_its_task_id_and_the_request_keeps_its_own(json_lines):
    set_guid("a" * 32)  # as the middleware does for a request
    result = log_inside_a_task.delay()
    assert result.get() == "a" * 32
    logging.getLogger("tests.ops").warning("after the task")
    inside, after = [line for line in json_lines() if line["logger"] == "tests.ops"]
    assert inside["message"] == "inside the task"
    assert (inside["task_id"], inside["task_name"], inside["request_id"]) == (
        result.id,
        "tests.ops.log_inside_a_task",
        "a" * 32,
    )
    assert (after["task_id"], after["request_id"]) == (None, "a" * 32)


def test_a_task_sent_during_a_request_carries_its_id_in_the_message_headers():
    headers = {}
    set_guid("b" * 32)
    try:
        logs._publish_request_id(headers=headers)
    finally:
        set_guid(None)
    assert headers == {logs.TASK_HEADER: "b" * 32}
    logs._publish_request_id(headers=(outside := {}))
    assert outside == {}


def test_console_lines_for_people(capsys):
    logging.config.dictConfig(logs.logging_config(fmt="console", level="INFO"))
    try:
        set_guid("c" * 32)
        logging.getLogger("tests.ops").warning("readable")
        set_guid(None)
        logging.getLogger("tests.ops").warning("no request")
    finally:
        logging.config.dictConfig(settings.LOGGING)
    err = [line for line in capsys.readouterr().err.splitlines() if " tests.ops " in line]
    assert err[-2].endswith(f"WARNING tests.ops [req={'c' * 32} task=-] readable")
    assert err[-1].endswith("WARNING tests.ops [req=- task=-] no request")


def test_gunicorn_access_lines_take_the_id_from_the_response_header():
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s',
        ({"h": "127.0.0.1", "r": "GET / HTTP/1.1", "s": "200", "{x-request-id}o": "d" * 32},),
        None,
    )
    logs.LogContextFilter().filter(record)
    assert record.request_id == "d" * 32 and record.getMessage() == '127.0.0.1 "GET / HTTP/1.1" 200'


def _database_url():
    db = connection.settings_dict
    user = f"{db['USER']}@" if db.get("USER") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


@pytest.mark.services
@pytest.mark.xdist_group("real_worker")
def test_a_real_worker_logs_json_with_the_task_id_and_the_sending_request_id(tmp_path, no_dotenv):
    """A web process (here a script) sends a task during a request; the worker's line for it carries
    both ids. The task looks up a report that does not exist: it logs a warning and returns."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require_service(redis_flushed(), "Redis (127.0.0.1:6379)")
    env = clean_env(
        CELERY_BROKER_URL=REDIS_URL,
        DATABASE_URL=_database_url(),
        DJANGO_LOG_FORMAT="json",
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
    )
    log_path = tmp_path / "worker.log"
    worker = start_worker(log_path, env)
    try:
        assert wait_for(
            lambda: '"ready."' in log_path.read_text() or " ready." in log_path.read_text(), 60, worker
        ), log_path.read_text()[-3000:]
        sender = subprocess.run(
            [
                sys.executable,
                "-c",
                """
import django
django.setup()
from django_guid import set_guid
from reports.tasks import render_report
set_guid("e" * 32)
print(render_report.delay(987654321).id)
""",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sender.returncode == 0, sender.stderr
        task_id = sender.stdout.strip().splitlines()[-1]

        def task_line():
            for line in log_path.read_text().splitlines():
                if (
                    line.startswith("{")
                    and "987654321" in line
                    and json.loads(line)["logger"] == "reports.services"
                ):
                    return json.loads(line)
            return None

        line = wait_for(task_line, 30, worker)
        assert line, log_path.read_text()[-3000:]
    finally:
        stop(worker)
    assert line["message"] == "Report 987654321 does not exist (deleted before rendering?)"
    assert (line["task_id"], line["task_name"], line["request_id"]) == (
        task_id,
        "reports.tasks.render_report",
        "e" * 32,
    )
    worker_lines = [json.loads(text) for text in log_path.read_text().splitlines() if text.startswith("{")]
    assert any(
        entry["logger"] == "celery.app.trace" and task_id in entry["message"] for entry in worker_lines
    )
