"""The UI's HTML pages: Jinja2 templates over an AppModel (read under its lock).

Every page is rendered whole on the server (the DAG too, as SVG); the only
script is a few lines that re-fetch the page when the server says the
application changed (server-sent events), so pages work offline and in an
exported file.
"""
import os
import time

import jinja2

from . import dag

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC_DIR = os.path.join(HERE, "static")
VIEWS = ("jobs", "stages", "failures", "executors", "storage", "environment")

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
                          autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def duration(seconds):
    if seconds is None:
        return ""
    if seconds < 1:
        return "%d ms" % round(seconds * 1000)
    if seconds < 60:
        return "%.1f s" % seconds
    if seconds < 3600:
        return "%.1f min" % (seconds / 60)
    return "%.1f h" % (seconds / 3600)


def size(n):
    n = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024
    return ""


def clock(seconds):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else ""


_env.filters.update(duration=duration, size=size, clock=clock)


def env():
    """The templates (for pages outside an application: the master's)."""
    return _env


def _now(model):
    """Where durations of unfinished things end: the application's end, else now."""
    return model.ended or (time.time() if model.last_event else None)


def _job_rows(model):
    rows = []
    for job in reversed(model.jobs.values()):
        done, total, active = model.job_progress(job)
        end = job.completed or _now(model)
        rows.append({"job": job, "done": done, "total": total, "active": active,
                     "duration": (end - job.submitted) if end else None,
                     "percent": int(100 * done / total) if total else (100 if job.completed else 0),
                     "skipped": len(model.skipped_stage_ids.get(job.id, []))})
    return rows


def _timeline(model):
    """Bars of each job's start and length over the application's life so far (percent of its width)."""
    start = model.started or 0
    end = _now(model) or start
    span = max(end - start, 1e-6)
    return [{"job": job, "left": 100 * (job.submitted - start) / span,
             "width": max(0.5, 100 * ((job.completed or end) - job.submitted) / span)}
            for job in model.jobs.values()]


def _stage_status(model, stage_id, job):
    stage = model.stage_for_job(stage_id, job)
    if stage is None:
        return "skipped" if job.completed else "pending"
    return {"ACTIVE": "active", "COMPLETE": "complete", "FAILED": "failed"}[stage.status]


def job_dag(model, job):
    stages = {}
    for stage_id in job.stage_ids:
        stage = model.stage_for_job(stage_id, job) or model.stage(stage_id)   # a skipped one: as it last ran
        stages[stage_id] = {"name": stage.name if stage else "", "parents": stage.parent_ids if stage else [],
                            "rdds": stage.rdds if stage else [], "status": _stage_status(model, stage_id, job)}
    return dag.job_svg(stages)


def _stage_rows(model):
    rows = []
    for stage in reversed(model.stages.values()):
        end = stage.completed or _now(model)
        rows.append({"stage": stage, "duration": (end - stage.submitted) if end else None,
                     "percent": int(100 * stage.succeeded / stage.num_tasks) if stage.num_tasks else 100})
    return rows


METRIC_LABELS = [("duration", "Duration", "duration"), ("run_time", "Run time", "duration"),
                 ("input_records", "Input records", "count"), ("shuffle_bytes_read", "Shuffle read", "size"),
                 ("shuffle_records_read", "Shuffle read records", "count"),
                 ("shuffle_bytes_written", "Shuffle write", "size"),
                 ("shuffle_records_written", "Shuffle write records", "count"),
                 ("spilled_bytes", "Spill (disk)", "size"), ("output_bytes_written", "Output", "size"),
                 ("serialization_time", "Serialization time", "duration")]


def _quantile_rows(stage):
    rows = []
    metrics = stage.metrics
    for name, label, kind in METRIC_LABELS:
        samples = metrics[name]
        if not samples.count or (not samples.maximum and name != "duration"):
            continue
        fmt = {"duration": duration, "size": size, "count": lambda v: "%d" % v}[kind]
        rows.append({"label": label, "cells": [fmt(v) for v in samples.quantiles()]})
    return rows


def _failure_rows(model):
    return list(reversed(model.failures))


def _context(model, view, redact, title, **extra):
    values = {"model": model, "view": view, "views": VIEWS, "title": title, "live": model.ended is None,
              "app_base": "/%s" % model.app_id}
    values.update(extra)
    return values


def render(apps, params, query, redact, title):
    app_id = params.get("app_id")
    if app_id is None:
        models = [m for m in apps.list() if m.app_id]
        if len(models) == 1 and getattr(apps, "single", False):
            app_id = models[0].app_id
        else:
            rows = []
            for model in models:
                with model.lock:
                    rows.append({"model": model, "jobs": len(model.jobs),
                                 "failed": sum(1 for j in model.jobs.values() if j.status == "FAILED"),
                                 "duration": ((model.ended or model.last_event or 0) - (model.started or 0))})
            return _env.get_template("apps.html").render(apps=rows, title=title, view=None, model=None)
    model = apps.get(app_id)
    if model is None:
        raise LookupError("no application %s" % app_id)
    view = params.get("view", "jobs")
    if view not in VIEWS:
        raise LookupError("no page %s" % view)
    with model.lock:
        return _render_view(model, view, params, redact, title)


def _render_view(model, view, params, redact, title):
    item = params.get("item")
    if view == "jobs" and item is not None:
        job = model.jobs.get(item)
        if job is None:
            raise LookupError("no job %d" % item)
        stages = [model.stage_for_job(s, job) for s in job.stage_ids]
        return _env.get_template("job.html").render(**_context(
            model, view, redact, title, job=job, svg=job_dag(model, job),
            stages=[{"id": sid, "stage": s, "status": _stage_status(model, sid, job)}
                    for sid, s in zip(job.stage_ids, stages)]))
    if view == "jobs":
        return _env.get_template("jobs.html").render(**_context(model, view, redact, title, rows=_job_rows(model),
                                                                timeline=_timeline(model)))
    if view == "stages" and item is not None:
        stage = model.stage(item, params.get("attempt"))
        if stage is None:
            raise LookupError("no stage %d" % item)
        attempts = sorted(a for (sid, a) in model.stages if sid == stage.id)
        return _env.get_template("stage.html").render(**_context(
            model, view, redact, title, stage=stage, attempts=attempts, quantiles=_quantile_rows(stage),
            warnings=model.warnings(stage), tasks=list(stage.tasks.values()),
            by_executor=sorted(stage.executors.items())))
    if view == "stages":
        return _env.get_template("stages.html").render(**_context(model, view, redact, title,
                                                                  rows=_stage_rows(model)))
    if view == "failures":
        return _env.get_template("failures.html").render(**_context(model, view, redact, title,
                                                                    rows=_failure_rows(model)))
    if view == "executors":
        now = _now(model)
        return _env.get_template("executors.html").render(**_context(
            model, view, redact, title, executors=list(model.executors.values()), now=now,
            budget=model.environment.get("zpark.executor.memory", "")))
    if view == "storage":
        return _env.get_template("storage.html").render(**_context(model, view, redact, title,
                                                                   rows=model.storage()))
    return _env.get_template("environment.html").render(**_context(
        model, view, redact, title, properties=[(k, redact(k, v)) for k, v in sorted(model.environment.items())]))


def render_error(message, title):
    return _env.get_template("error.html").render(message=message, title=title, view=None, model=None)


def render_export(model, redact, title):
    """One self-contained HTML file: every view of the application, the stylesheet inlined, no links out."""
    with open(os.path.join(STATIC_DIR, "zpark.css"), encoding="utf-8") as f:
        css = f.read()
    with model.lock:
        return _env.get_template("export.html").render(
            model=model, title=title, css=css, rows=_job_rows(model), timeline=_timeline(model),
            stage_rows=_stage_rows(model), failures=_failure_rows(model), executors=list(model.executors.values()),
            dags=[(job, job_dag(model, job)) for job in reversed(model.jobs.values())],
            properties=[(k, redact(k, v)) for k, v in sorted(model.environment.items())], now=_now(model))
