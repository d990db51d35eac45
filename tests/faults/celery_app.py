"""The product's Celery app for fault tests, with a render that can be made slow (so that a test
can kill the worker child in the middle of it, or let a time limit strike) through the worker's
environment:

* ``CSO_FAULT_RENDER_DELAY`` — seconds each render waits before rendering;
* ``CSO_FAULT_RENDER_MARKER`` — a file each render appends its process id to when it starts;
* ``CSO_FAULT_IGNORE_SOFT_LIMIT=1`` — the wait ignores the soft time limit (a native call stuck
  past it), so the hard limit kills the child.

Used as ``celery -A tests.faults.celery_app worker --pool=prefork``.
"""

import os
import time

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from cso_recruit.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _slow_render(**kwargs):
    delay = float(os.environ.get("CSO_FAULT_RENDER_DELAY", "0"))
    if not delay:
        return
    from reports import rendering

    real = rendering.render_pdf
    marker = os.environ.get("CSO_FAULT_RENDER_MARKER")
    ignore_soft = os.environ.get("CSO_FAULT_IGNORE_SOFT_LIMIT") == "1"

    def slow(snapshot):
        if marker:
            with open(marker, "a") as handle:
                handle.write(f"{os.getpid()}\n")
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            try:
                time.sleep(0.05)
            except SoftTimeLimitExceeded:
                if not ignore_soft:
                    raise
        return real(snapshot)

    rendering.render_pdf = slow
