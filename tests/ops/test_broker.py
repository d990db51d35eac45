"""The broker transport (``cso_recruit.broker``): a channel closed after its transport was detached
restores its unacknowledged messages instead of crashing the worker.

The sequence is the one celery 5.7's consumer runs when the Redis connection drops while a task
is in flight (``Consumer.on_connection_error_after_connected``): the channel's pool goes with the
broken socket, ``Connection.collect()`` detaches the transport (``transport.client = None``), then
the channel is closed and its QoS restores the unacknowledged message. Run on a private
``redis-server``; skips without it (fails in CI, ``CSO_REQUIRE_SERVICES=1``).
"""

import os
import subprocess
import sys

import pytest
from kombu import Connection, Exchange, Queue

from tests.conftest import require_service
from tests.realworker import PrivateRedis

pytestmark = pytest.mark.services

PRODUCT = "cso_recruit.broker:Transport"


@pytest.fixture
def server():
    require_service(PrivateRedis.available(), "redis-server")
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(server):
    return server.url


def _queue(channel):
    queue = Queue("broker-test", Exchange("broker-test"), "broker-test", channel=channel)
    queue.declare()
    return queue


def _close_after_detach(url, transport):
    """Publish one message, take it without acknowledging it, then drop the pool, detach the
    transport and close the channel as the consumer does. Returns ``(error or None, what the
    queue holds afterwards)``."""
    connection = Connection(url, transport=transport)
    channel = connection.channel()
    queue = _queue(channel)
    connection.Producer(channel=channel).publish(
        {"job_id": 7}, exchange="broker-test", routing_key="broker-test", declare=[queue]
    )
    message = queue.get(no_ack=False)
    assert message.payload == {"job_id": 7} and len(channel.qos._delivered) == 1
    channel._disconnect_pools()  # the pool went with the broken socket
    connection.transport.client = None  # what Connection.collect() leaves behind
    error = None
    try:
        channel.close()
    except Exception as exc:  # noqa: BLE001 — what the worker would die of
        error = exc
    with Connection(url) as reader:
        back = _queue(reader.channel()).get(no_ack=True)
    return error, (back.payload if back else None)


def test_kombus_own_transport_crashes_on_this_sequence(redis_url):
    """The upstream fault, as pinned in requirements.txt: if this starts to pass, kombu fixed it
    and ``cso_recruit/broker.py`` can go."""
    error, back = _close_after_detach(redis_url, None)
    assert isinstance(error, AttributeError) and "hostname" in str(error)
    assert back is None  # the message stays unacknowledged until the visibility timeout


def test_the_products_transport_restores_the_message_and_raises_nothing(redis_url):
    error, back = _close_after_detach(redis_url, PRODUCT)
    assert error is None
    assert back == {"job_id": 7}  # back in its queue at once, for the reconnected worker


def test_with_redis_gone_the_close_fails_as_a_connection_error_the_consumer_ignores(server):
    connection = Connection(server.url, transport=PRODUCT)
    channel = connection.channel()
    queue = _queue(channel)
    connection.Producer(channel=channel).publish(
        {"job_id": 8}, exchange="broker-test", routing_key="broker-test"
    )
    assert queue.get(no_ack=False) is not None
    channel._disconnect_pools()
    connection.transport.client = None
    server.stop()  # the broker is gone: connections are refused
    with pytest.raises(connection.connection_errors):
        channel.close()


def test_the_app_uses_the_products_transport_for_redis(settings):
    """In a process whose settings name a Redis broker (a worker, a web process)."""
    environment = {
        "CELERY_BROKER_URL": "redis://127.0.0.1:6399/3",
        "DJANGO_SETTINGS_MODULE": "cso_recruit.settings",
    }
    code = (
        "import django; django.setup()\n"
        "from cso_recruit.celery import app\n"
        "connection = app.connection_for_write()\n"
        "print(connection.transport.__class__.__module__, connection.transport.__class__.__name__)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**os.environ, **environment},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["cso_recruit.broker", "Transport"]
