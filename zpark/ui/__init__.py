"""The web UI: a live UI on each driver, the history server (``zpark history``) and Spark's REST API.

Importing it registers the live UI with the driver (driver/listeners.py).
"""
from ..driver import listeners
from .live import start_live_ui

listeners.register(start_live_ui)
