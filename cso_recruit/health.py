"""``/health/`` for load balancers and monitoring (django-health-check).

Checks: the database (``SELECT 1``), the media storage (writes, reads and deletes a file), and —
only when a real broker is configured (``CELERY_BROKER_URL`` set, tasks not eager) — the broker
(a Redis ``PING``) and a worker: the first worker to answer a ping must consume every queue the
tasks are routed to (``celery``, ``reports``), as the Procfile's worker does. In the embedded default there is no broker
and no worker (tasks run in the web process), so those two checks are left out rather than failed.

200 when every check passes, 500 otherwise. Anyone gets ``{"status": "ok"}`` or
``{"status": "unavailable"}``; staff users get the library's detailed page (HTML, or
``?format=json`` / ``?format=text``) naming each check and its error. Not behind login.
"""

import asyncio
import dataclasses
import datetime
import functools

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from django.http import JsonResponse
from health_check import Database, Storage
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from .celery import app as celery_app


def real_broker_url() -> str:
    """The broker's URL when tasks go to real workers; ``""`` in the embedded default (eager)."""
    url = celery_app.conf.broker_url or ""
    if celery_app.conf.task_always_eager or url.startswith("memory://"):
        return ""
    return url


def task_queues() -> set[str]:
    """Every queue a task can be routed to: the default one and those of ``task_routes``."""
    queues = {celery_app.conf.task_default_queue}
    routes = celery_app.conf.task_routes or {}
    if isinstance(routes, dict):
        queues |= {
            route["queue"] for route in routes.values() if isinstance(route, dict) and "queue" in route
        }
    return queues


@dataclasses.dataclass
class WorkerPing(Ping):
    """A worker answers a ping and consumes every routed queue (the library's check reads only
    ``task_queues``, which this project leaves to routing). The first answer is enough (``limit``):
    a probe does not wait out the whole timeout."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)
    limit: int | None = dataclasses.field(default=1, repr=False)

    def check_active_queues(self, *active_workers):
        replies = self.app.control.inspect(list(active_workers), timeout=self.timeout.total_seconds())
        consumed = {
            queue.get("name") for queues in (replies.active_queues() or {}).values() for queue in queues
        }
        for queue in sorted(task_queues() - consumed):
            raise ServiceUnavailable(f"No worker for Celery task queue {queue}")


class HealthView(HealthCheckView):
    def get_checks(self):
        yield Database()
        yield Storage()
        broker = real_broker_url()
        if broker:
            if broker.startswith(("redis://", "rediss://")):
                from redis.asyncio import Redis as RedisClient

                yield Redis(
                    client_factory=functools.partial(
                        RedisClient.from_url, broker, socket_connect_timeout=2, socket_timeout=2
                    )
                )
            yield WorkerPing(app=celery_app)

    async def get(self, request, *args, **kwargs):
        try:
            user = await request.auser()
        except DatabaseError:  # the database is what is down: answer as to anybody
            user = AnonymousUser()
        if user.is_active and user.is_staff:
            return await super().get(request, *args, **kwargs)
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        healthy = not any(result.error for result in results)
        return JsonResponse({"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 500)
