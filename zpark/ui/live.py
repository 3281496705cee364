"""The live UI: the driver's own AppModel (its fold of the event stream), served while the application runs."""
import sys

from ..common.config import redact


class LiveUI:
    """What the registered factory gives a Context (driver/listeners.py): a server over its model."""

    def __init__(self, model, host, port):
        from .server import LiveApp, UIServer, build_app    # the web stack loads only when a UI starts
        self.model = model
        self.server = UIServer(build_app(LiveApp(model), redact), host, port).start()
        self.url = self.server.url

    def close(self):
        self.server.stop()

    def __repr__(self):
        return "LiveUI(%s)" % self.url


def start_live_ui(ctx):
    """The factory registered with the driver: a LiveUI unless zpark.ui.enabled is off."""
    conf = ctx._conf
    if not conf.get("zpark.ui.enabled"):
        return None
    ui = LiveUI(ctx._model, str(conf.get("zpark.ui.host")), int(conf.get("zpark.ui.port")))
    print("zpark: web UI of %s at %s" % (ctx.appName, ui.url), file=sys.stderr)
    return ui
