"""Logging: one configuration for the web (Django, gunicorn) and the Celery worker and beat.

``DJANGO_LOG_FORMAT=json`` writes one JSON object a line (python-json-logger); ``console`` writes
readable lines. JSON is the default when DEBUG is off, console in the embedded default. Every line
carries ``request_id`` (the HTTP request's id, from django-guid: taken from an incoming
``X-Request-ID`` when it is a valid UUID, generated otherwise, and returned in that header) and,
inside a Celery task, ``task_id`` and ``task_name``; a value that does not apply is ``null``.

A task sent during a request carries the request's id in its message headers, so the worker's lines
for it have the same ``request_id``; a task with no request behind it (beat) uses its own id, which
its own sub-tasks then inherit. These signal hooks are ours rather than django-guid's Celery
integration because that integration gives an eager task (the embedded default) a new id and then
clears the id of the request that ran it.

This module is imported by gunicorn's configuration before Django is set up: it must not read
Django settings at import time.
"""

import logging
import logging.config
from collections.abc import Mapping

from celery import signals
from celery._state import get_current_task
from django_guid.context import guid

FORMATS = ("json", "console")
REQUEST_ID_HEADER = "X-Request-ID"
#: Message header carrying the request id from the sender of a task to the worker.
TASK_HEADER = "cso_request_id"
_GUNICORN_ACCESS_ATOM = "{" + REQUEST_ID_HEADER.lower() + "}o"  # gunicorn: a response header


class LogContextFilter(logging.Filter):
    """Adds ``request_id``, ``task_id`` and ``task_name`` to every record (``missing`` when none)."""

    def __init__(self, missing=None):
        super().__init__()
        self.missing = missing

    def filter(self, record):
        request_id = guid.get()
        if request_id is None and record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            # gunicorn writes its access line after the response, from the response's headers.
            value = record.args.get(_GUNICORN_ACCESS_ATOM)
            request_id = value if value not in (None, "-") else None
        task = get_current_task()
        request = getattr(task, "request", None) if task is not None else None
        record.request_id = request_id or self.missing
        record.task_id = getattr(request, "id", None) or self.missing
        record.task_name = (task.name if request is not None and request.id else None) or self.missing
        return True


def default_format(*, debug: bool) -> str:
    """``DJANGO_LOG_FORMAT`` when unset: readable lines with DEBUG on, JSON otherwise."""
    return "console" if debug else "json"


def logging_config(*, fmt: str, level: str) -> dict:
    """The ``LOGGING`` dictionary (``logging.config.dictConfig``) for ``fmt`` ("json" or "console")."""
    if fmt not in FORMATS:
        raise ValueError(f"DJANGO_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "process"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC, microseconds
        },
        "console": {
            "format": "%(asctime)s %(levelname)-7s %(name)s [req=%(request_id)s task=%(task_id)s] %(message)s",
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": LogContextFilter, "missing": None if fmt == "json" else "-"}},
        "formatters": {fmt: formatters[fmt]},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler (DEBUG on) would print its lines a second time.
            "django": {"level": "INFO", "handlers": [], "propagate": True},
            "django_guid": {"level": "WARNING"},  # one INFO line a request about its own work
            # gunicorn's own lines (boot, workers, access) go through the same handler.
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
        },
    }


# ---------------------------------------------------------------------------------- Celery hooks


def install_celery_hooks():
    """Connect the worker's logging set-up and the request id's hand-over (called by celery.py)."""
    signals.setup_logging.connect(_setup_worker_logging, weak=False)
    signals.before_task_publish.connect(_publish_request_id, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)


def _setup_worker_logging(loglevel=None, **kwargs):
    """Celery worker and beat use Django's ``LOGGING`` instead of their own handlers; the ``-l``
    level given on their command line still applies."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


def _publish_request_id(headers=None, **kwargs):
    if headers is not None and guid.get() is not None:
        headers[TASK_HEADER] = guid.get()


def _task_started(task=None, task_id=None, **kwargs):
    request = getattr(task, "request", None)
    if request is None or request.is_eager:
        return  # run in the sender's process, inside its request: its id stays
    guid.set(request.get(TASK_HEADER) or task_id)


def _task_finished(task=None, **kwargs):
    request = getattr(task, "request", None)
    if request is not None and not request.is_eager:
        guid.set(None)
