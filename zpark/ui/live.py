"""The live UI: a driver's events folded into an AppModel, served while the application runs."""
import sys

from ..common.config import redact
from .model import AppModel


class LiveUI:
    """The listener a Context gets (driver/listeners.py): folds events, serves the pages."""

    def __init__(self, host, port):
        from .server import LiveApp, UIServer, build_app    # the web stack loads only when a UI starts
        self.model = AppModel()
        self.server = UIServer(build_app(LiveApp(self.model), redact), host, port).start()
        self.url = self.server.url

    def on_event(self, kind, fields, time):
        self.model.on_event(kind, fields, time)

    def close(self):
        self.server.stop()

    def __repr__(self):
        return "LiveUI(%s)" % self.url


def start_live_ui(ctx):
    """The factory registered with the driver: a LiveUI unless zpark.ui.enabled is off."""
    conf = ctx._conf
    if not conf.get("zpark.ui.enabled"):
        return None
    ui = LiveUI(str(conf.get("zpark.ui.host")), int(conf.get("zpark.ui.port")))
    print("zpark: web UI of %s at %s" % (ctx.appName, ui.url), file=sys.stderr)
    return ui
