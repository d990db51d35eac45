"""gunicorn settings, from the environment (``gunicorn -c python:cso_recruit.gunicorn_conf cso_recruit.wsgi``,
as ``make serve`` and the Procfile run it).

- ``PORT`` (default 8000), bound on ``GUNICORN_BIND_HOST`` (default 127.0.0.1: only this machine;
  behind a reverse proxy on another host, or in a container, set 0.0.0.0).
- ``WEB_CONCURRENCY`` worker processes (default 2) × ``GUNICORN_THREADS`` threads each (default 4).
- ``GUNICORN_TIMEOUT`` seconds before a silent worker is restarted (default 30).
- ``GUNICORN_CONTROL_SOCKET``: path of gunicorn's control socket (``gunicornc``); none by default,
  since every instance would otherwise share ``~/.gunicorn/gunicorn.ctl``.
- Logs: gunicorn's own lines and its access log go through the project's logging configuration
  (``cso_recruit.logs``): JSON with the request id unless ``DJANGO_LOG_FORMAT=console``.

Read before Django is set up: no Django settings here.
"""

from pathlib import Path

import environ

from cso_recruit.logs import default_format, logging_config

_env = environ.Env()
_dotenv = Path(__file__).resolve().parent.parent / ".env"
if _dotenv.exists():
    environ.Env.read_env(_dotenv, overwrite=False)

bind = f"{_env.str('GUNICORN_BIND_HOST', default='127.0.0.1')}:{_env.int('PORT', default=8000)}"
workers = _env.int("WEB_CONCURRENCY", default=2)
threads = _env.int("GUNICORN_THREADS", default=4)
timeout = _env.int("GUNICORN_TIMEOUT", default=30)
graceful_timeout = 20
control_socket = _env.str("GUNICORN_CONTROL_SOCKET", default="")
control_socket_disable = not control_socket
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
logconfig_dict = logging_config(
    fmt=_env.str("DJANGO_LOG_FORMAT", default=default_format(debug=_env.bool("DJANGO_DEBUG", default=False))),
    level=_env.str("DJANGO_LOG_LEVEL", default="WARNING"),
)
