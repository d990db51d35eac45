"""Celery application.

Embedded default (no ``CELERY_BROKER_URL``): tasks run eagerly in-process, so the app works on a
fresh machine with nothing else running. With ``CELERY_BROKER_URL`` set (Redis), tasks go to a real
worker started with ``make worker``. Configuration comes from Django settings (``CELERY_*``);
logging (worker and beat use Django's ``LOGGING``, every line with its task and request ids) is set
up by ``cso_recruit.logs``.
"""

import os

from celery import Celery

from cso_recruit import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cso_recruit.settings")

app = Celery("cso_recruit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logs.install_celery_hooks()
