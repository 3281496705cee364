"""The master's web page (``zpark master``, port 8080): executors, running and finished applications.

It reads the snapshot the master's loop thread replaces every tick
(``MasterServer.latest_status``), so it never touches the Membership the
loop owns. Each application links to its driver's own UI.
"""
import time

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import pages


def build_master_app(get_status, master_url):
    """``get_status()``: the master's latest status view (see Membership.status)."""

    async def page(request):
        status = get_status()
        html = pages.env().get_template("master.html").render(
            status=status, master_url=master_url, title="zpark master", model=None, view=None,
            updated=time.strftime("%H:%M:%S", time.localtime(status.get("updated", time.time()))))
        return HTMLResponse(html)

    async def as_json(request):
        return JSONResponse(dict(get_status(), master=master_url))

    return Starlette(routes=[Route("/", page), Route("/json", as_json),
                             Mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")])
