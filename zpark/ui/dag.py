"""A job's DAG as SVG, laid out on the server: stages as boxes holding their RDDs, shuffles between them.

Stages go in columns by depth (a stage sits right of every stage it reads);
inside a box its RDDs go top to bottom, parents first, each with the user's
call site. Cached RDDs are drawn green, skipped stages grey and dashed,
shuffle edges as dashed arrows between boxes and narrow edges as short solid
lines between RDDs. A stage with many RDDs shows the first and last few and
how many it left out, and a job with very many stages shows boxes without
RDDs: the picture stays readable and small.
"""
from html import escape

BOX_WIDTH = 230
RDD_HEIGHT = 34
HEADER = 26
GAP_X = 60
GAP_Y = 24
MARGIN = 12
MAX_RDDS_SHOWN = 8
COLLAPSE_STAGES = 40


def _depths(stages):
    depth = {}

    def visit(stage_id, trail=()):
        if stage_id in depth:
            return depth[stage_id]
        parents = [p for p in stages[stage_id]["parents"] if p in stages and p not in trail]
        depth[stage_id] = 1 + max((visit(p, trail + (stage_id,)) for p in parents), default=-1)
        return depth[stage_id]
    for stage_id in stages:
        visit(stage_id)
    return depth


def _ordered_rdds(rdds):
    """Parents before children (the lineage lists children first)."""
    return list(reversed(rdds))


def _shown(rdds):
    if len(rdds) <= MAX_RDDS_SHOWN:
        return rdds, 0
    half = MAX_RDDS_SHOWN // 2
    return rdds[:half] + [None] + rdds[-half:], len(rdds) - 2 * half


def job_svg(stages):
    """``stages``: {stage id: {"name", "parents", "rdds", "status"}} with status one of "complete",
    "active", "failed", "pending", "skipped"."""
    if not stages:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    collapse = len(stages) > COLLAPSE_STAGES
    depth = _depths(stages)
    columns = {}
    for stage_id in sorted(stages):
        columns.setdefault(depth[stage_id], []).append(stage_id)
    boxes, heights = {}, {}
    for stage_id, info in stages.items():
        rows = 0 if collapse else len(_shown(_ordered_rdds(info["rdds"]))[0])
        heights[stage_id] = HEADER + rows * RDD_HEIGHT + 8
    width = MARGIN * 2 + len(columns) * BOX_WIDTH + (len(columns) - 1) * GAP_X
    height = 0
    for column, ids in columns.items():
        y = MARGIN
        for stage_id in ids:
            boxes[stage_id] = (MARGIN + column * (BOX_WIDTH + GAP_X), y)
            y += heights[stage_id] + GAP_Y
        height = max(height, y)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="dag" width="%d" height="%d" viewBox="0 0 %d %d">'
           % (width, height, width, height),
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>']
    for stage_id, info in sorted(stages.items()):
        x, y = boxes[stage_id]
        for parent in info["parents"]:
            if parent in boxes:
                px, py = boxes[parent]
                out.append('<path class="shuffle-edge" d="M%d,%d C%d,%d %d,%d %d,%d" fill="none" stroke="#6b7280" '
                           'stroke-dasharray="5,4" stroke-width="1.5" marker-end="url(#arrow)"/>'
                           % (px + BOX_WIDTH, py + HEADER // 2, px + BOX_WIDTH + GAP_X // 2, py + HEADER // 2,
                              x - GAP_X // 2, y + HEADER // 2, x - 2, y + HEADER // 2))
    for stage_id, info in sorted(stages.items()):
        out.append(_stage_box(stage_id, info, boxes[stage_id], heights[stage_id], collapse))
    out.append("</svg>")
    return "".join(out)


def _stage_box(stage_id, info, position, height, collapse):
    x, y = position
    status = info.get("status", "pending")
    parts = ['<g class="stage stage-%s" data-stage="%d">' % (status, stage_id),
             '<title>%s</title>' % escape(info.get("name", "")),
             '<rect x="%d" y="%d" width="%d" height="%d" rx="6" class="stage-box"%s/>'
             % (x, y, BOX_WIDTH, height, ' stroke-dasharray="6,4"' if status == "skipped" else ""),
             '<text x="%d" y="%d" class="stage-title">Stage %d%s</text>'
             % (x + 8, y + 17, stage_id, " (skipped)" if status == "skipped" else "")]
    if not collapse:
        shown, hidden = _shown(_ordered_rdds(info["rdds"]))
        previous = None
        for row, rdd in enumerate(shown):
            ry = y + HEADER + row * RDD_HEIGHT
            if rdd is None:
                parts.append('<text x="%d" y="%d" class="rdd-more">... %d more RDDs</text>'
                             % (x + 14, ry + 20, hidden))
                previous = None
                continue
            if previous is not None and previous["id"] in rdd.get("parents", ()):
                parts.append('<line class="narrow-edge" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#374151"/>'
                             % (x + BOX_WIDTH // 2, ry - 6, x + BOX_WIDTH // 2, ry + 2))
            label = "%s [%d]" % (rdd["name"], rdd["id"])
            parts.append('<g class="rdd%s"><title>%s</title>'
                         '<rect x="%d" y="%d" width="%d" height="%d" rx="4"/>'
                         '<text x="%d" y="%d" class="rdd-name">%s</text>'
                         '<text x="%d" y="%d" class="rdd-site">%s</text></g>'
                         % (" rdd-cached" if rdd.get("cached") else "", escape(rdd.get("site", "")),
                            x + 8, ry + 2, BOX_WIDTH - 16, RDD_HEIGHT - 8,
                            x + 14, ry + 14, escape(_clip(label, 30)),
                            x + 14, ry + 25, escape(_clip(_site(rdd.get("site", "")), 34))))
            previous = rdd
    parts.append("</g>")
    return "".join(parts)


def _site(site):
    """'map at job.py:12' -> 'job.py:12' (the operation is already in the RDD's name line)."""
    return site.rsplit(" at ", 1)[-1]


def _clip(text, width):
    return text if len(text) <= width else text[:width - 1] + "\u2026"
