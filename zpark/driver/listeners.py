"""Where readers of the event stream that live above the driver (the web UI) plug in.

The driver cannot import them (imports point one way), so they register a
factory here when their package is imported; each Context calls every
factory once at start with itself (its AppModel is ready) and gets back an
object with ``close()`` and an optional ``url`` - also fed every event when
it has ``on_event(kind, fields, time)`` - or None.
"""

FACTORIES = []


def register(factory):
    if factory not in FACTORIES:
        FACTORIES.append(factory)
