"""Scheduling as pure state machines: the DAG scheduler, task sets and the map-output tracker.

Events in, actions out (events.py); no sockets, threads, clocks or pickling."""
