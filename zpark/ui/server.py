"""The web UI's HTTP server: pages, Spark's REST API and server-sent updates over a set of applications.

The live UI serves one application (the running driver's model); the history
server serves every event log in a folder. Both hand the same ``Apps``
interface to one Starlette application, so the pages and the API are one
code path. uvicorn runs it in a daemon thread: a request never blocks the
driver, which only feeds the model.
"""
import asyncio
import logging
import threading

import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import pages, ports, rest

log = logging.getLogger("zpark.ui")

UPDATE_POLL_SECONDS = 0.5


class Apps:
    """What a server shows: ``list()`` the models, ``get(app_id)`` one (or None)."""

    def list(self):
        raise NotImplementedError

    def get(self, app_id):
        raise NotImplementedError


class LiveApp(Apps):
    single = True            # "/" shows the application itself

    def __init__(self, model):
        self.model = model

    def list(self):
        return [self.model]

    def get(self, app_id):
        return self.model if app_id in (self.model.app_id, None) else None


def _not_found(text):
    return JSONResponse({"error": text}, status_code=404)


def build_app(apps, redact, title="zpark"):
    """The Starlette application for ``apps``; ``redact(key, value)`` hides secrets in the environment."""

    def model_or_404(request):
        model = apps.get(request.path_params.get("app_id"))
        if model is None:
            raise LookupError("no application %s" % request.path_params.get("app_id"))
        return model

    async def api(request):
        try:
            return JSONResponse(rest_answer(apps, request.path_params, request.url.path, redact))
        except LookupError as exc:
            return _not_found(str(exc))

    async def page(request):
        try:
            html = pages.render(apps, request.path_params, request.query_params, redact, title)
        except LookupError as exc:
            return HTMLResponse(pages.render_error(str(exc), title), status_code=404)
        return HTMLResponse(html)

    async def export(request):
        try:
            html = pages.render_export(model_or_404(request), redact, title)
        except LookupError as exc:
            return _not_found(str(exc))
        return HTMLResponse(html, headers={"Content-Disposition": "attachment; filename=%s.html"
                                           % request.path_params["app_id"]})

    async def updates(request):
        """Server-sent events: the application's event count whenever it changes (pages refresh on it)."""
        model = apps.get(request.path_params.get("app_id"))
        if model is None:
            return _not_found("no such application")

        async def stream():
            seen = None
            while not await request.is_disconnected():
                apps.get(request.path_params["app_id"])      # a history log catches up here
                with model.lock:
                    version, ended = model.version, model.ended
                if version != seen:
                    seen = version
                    yield "event: update\ndata: %d\n\n" % version
                if ended is not None and version == seen:
                    yield "event: end\ndata: %d\n\n" % version
                    return
                await asyncio.sleep(UPDATE_POLL_SECONDS)
        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    routes = [
        Route("/api/v1/applications", api),
        Route("/api/v1/applications/{app_id}", api),
        Route("/api/v1/applications/{app_id}/jobs", api),
        Route("/api/v1/applications/{app_id}/jobs/{job_id:int}", api),
        Route("/api/v1/applications/{app_id}/stages", api),
        Route("/api/v1/applications/{app_id}/stages/{stage_id:int}", api),
        Route("/api/v1/applications/{app_id}/stages/{stage_id:int}/{attempt:int}", api),
        Route("/api/v1/applications/{app_id}/stages/{stage_id:int}/{attempt:int}/taskList", api),
        Route("/api/v1/applications/{app_id}/executors", api),
        Route("/api/v1/applications/{app_id}/allexecutors", api),
        Route("/api/v1/applications/{app_id}/storage/rdd", api),
        Route("/api/v1/applications/{app_id}/environment", api),
        Route("/updates/{app_id}", updates),
        Route("/export/{app_id}", export),
        Mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static"),
        Route("/", page),
        Route("/{app_id}/", page),
        Route("/{app_id}/{view}/", page),
        Route("/{app_id}/{view}/{item:int}", page),
        Route("/{app_id}/{view}/{item:int}/{attempt:int}", page),
    ]
    return Starlette(routes=routes)


def rest_answer(apps, params, path, redact):
    """The JSON body of a REST path (raises LookupError for what does not exist)."""
    if "app_id" not in params:
        models = apps.list()
        return [rest.application(m) for m in models if m.app_id]
    model = apps.get(params["app_id"])
    if model is None:
        raise LookupError("no such application: %s" % params["app_id"])
    with model.lock:
        tail = path.rstrip("/").split("/")[-1]
        if tail == params["app_id"]:
            return rest.application(model)
        if "job_id" in params:
            job = model.jobs.get(params["job_id"])
            if job is None:
                raise LookupError("unknown job: %s" % params["job_id"])
            return rest.job(model, job)
        if tail == "jobs":
            return [rest.job(model, j) for j in reversed(model.jobs.values())]
        if tail == "taskList":
            stage = model.stage(params["stage_id"], params["attempt"])
            if stage is None:
                raise LookupError("unknown stage attempt: %s.%s" % (params["stage_id"], params["attempt"]))
            return [rest.task(model, t) for t in stage.tasks.values()]
        if "stage_id" in params:
            if "attempt" in params:
                stage = model.stage(params["stage_id"], params["attempt"])
                if stage is None:
                    raise LookupError("unknown stage attempt: %s.%s" % (params["stage_id"], params["attempt"]))
                return rest.stage(model, stage, with_tasks=True)
            attempts = [s for s in model.stages.values() if s.id == params["stage_id"]]
            if not attempts:
                raise LookupError("unknown stage: %s" % params["stage_id"])
            return [rest.stage(model, s, with_tasks=True) for s in attempts]
        if tail == "stages":
            return [rest.stage(model, s) for s in reversed(model.stages.values())]
        if tail == "executors":
            return [rest.executor(model, e) for e in model.executors.values() if e.is_active]
        if tail == "allexecutors":
            return [rest.executor(model, e) for e in model.executors.values()]
        if tail == "rdd":
            return rest.cached_rdds(model)
        if tail == "environment":
            return rest.environment(model, redact)
    raise LookupError("unknown path %s" % path)


class UIServer:
    """uvicorn serving ``app`` on a listening socket (bound here unless given), in a daemon thread
    (``start``) or in the calling one (``run``)."""

    def __init__(self, app, host, port=0, sock=None):
        self.sock = sock if sock is not None else ports.bind(host, port)
        self.url = ports.url_of(self.sock, host)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.run, name="zpark-ui", daemon=True)

    def run(self):
        try:
            self.server.run(sockets=[self.sock])
        except Exception:  # noqa: BLE001 - the UI failing must not take the application down; say so
            log.exception("the web UI stopped")

    def start(self):
        self.thread.start()
        return self

    def stop(self, wait=True):
        """Ask it to stop; with ``wait``, until it has (uvicorn notices within its 0.1 s tick)."""
        self.server.should_exit = True
        if wait and self.thread.is_alive():
            self.thread.join(5)
