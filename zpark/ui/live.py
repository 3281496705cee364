"""The live UI: the driver's own AppModel (its fold of the event stream), served while the application runs.

The socket is bound at once (the address is printed and in ``uiWebUrl``);
the web stack is imported and started in the UI's own thread, so a Context
does not wait for it, and stopping does not wait for it to wind down.
"""
import sys
import threading

from ..common.config import redact
from . import ports


class LiveUI:
    """What the registered factory gives a Context (driver/listeners.py): a server over its model."""

    def __init__(self, model, host, port):
        self.model = model
        self.host = host
        self.sock = ports.bind(host, port)
        self.url = ports.url_of(self.sock, host)
        self.server = None
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="zpark-ui", daemon=True)
        self.thread.start()

    def _serve(self):
        from .server import LiveApp, UIServer, build_app    # the web stack loads here, off the start-up path
        self.server = UIServer(build_app(LiveApp(self.model), redact), self.host, sock=self.sock)
        if not self.closed.is_set():
            self.server.run()
        else:
            self.sock.close()

    def close(self):
        """Ask the server to stop; its daemon thread finishes within uvicorn's 0.1 s tick."""
        self.closed.set()
        if self.server is not None:
            self.server.stop(wait=False)

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
