"""The Redis broker transport of the product: kombu's, with one fault fixed.

celery 5.7 / kombu 5.7 (seen with redis-py 8.1): when the Redis connection drops while the worker
holds an unacknowledged message (an ``acks_late`` task in flight), the consumer's
``on_connection_error_after_connected`` first collects the connection — which detaches the
transport (``transport.client = None``) — then closes it; closing the channel makes its QoS restore
the unacknowledged messages, and the channel, whose pool went with the broken socket, rebuilds its
connection parameters from ``transport.client``: ``AttributeError: 'NoneType' object has no
attribute 'hostname'``, which is not a connection error, so the worker exits ("Unrecoverable
error") instead of reconnecting (README, "Load and faults"; the same family as kombu #582).

Here each channel keeps the connection information it was opened with and uses it when the
transport has been detached: the restore then reaches Redis if it is back (the message returns to
its queue at once), or fails with a connection error that the consumer ignores (the message is
restored by ``visibility_timeout``, and the product's sweepers re-send the work). Selected by
``CELERY_BROKER_TRANSPORT`` in the settings for ``redis://`` brokers.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    """kombu's Redis channel, whose connection parameters survive the transport's detachment."""

    def __init__(self, connection, *args, **kwargs):
        # Before the base class opens its client (it pings Redis through _connparams).
        self._conninfo = connection.client
        super().__init__(connection, *args, **kwargs)

    def _connparams(self, asynchronous=False):
        """kombu's parameters (a dict for redis-py's pool); built from the information the
        channel was opened with when the transport was detached meanwhile."""
        transport = self.connection
        if transport.client is not None or self._conninfo is None:
            return super()._connparams(asynchronous)
        transport.client = self._conninfo
        try:
            return super()._connparams(asynchronous)
        finally:
            transport.client = None


class Transport(redis.Transport):
    """kombu's Redis transport with :class:`Channel`."""

    Channel = Channel
