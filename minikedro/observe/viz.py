"""Draw a pipeline with no server: a Mermaid flowchart, Graphviz input, or one HTML page.

Public names: ``render`` (a pipeline, and optionally a run record, as text), ``main``
(the ``minikedro viz`` command) and ``FORMATS`` (output suffix -> format). Kedro's
counterpart is the Kedro-Viz server. The page is one file that opens from disk: SVG
laid out here, CSS and a small script (search, tooltips, folding a namespace), no
URL to anything. Layout, close to linear: layers by longest path; order in a layer
by barycenter sweeps, each namespace kept together; then x, each namespace in one
rectangle, as the mean of pushing every vertex right and left from where it wants to be.
"""
from __future__ import annotations

import argparse
import functools
import gc
import html
import logging
import re
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any, Iterator

from minikedro.io.core import is_parameter
from minikedro.observe.progress import critical_path, format_seconds
from minikedro.pipeline import Pipeline
from minikedro.pipeline.node import strip_transcoding

__all__ = ["FORMATS", "main", "render"]
logger = logging.getLogger(__name__)

FORMATS = {".html": "html", ".htm": "html", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".md": "mermaid"}
HEIGHT, LAYER, GAP, PAD, CHAR = 28, 76, 22, 10, 7.0  # pixels; CHAR: a 12px character's width
LABEL = 18  # room above a frame's members, per frame: its label
SWEEPS = 6  # barycenter sweeps: down, up, down, up, then two towards both sides (straighter edges)
COLOURS = {  # fill and line, in every format; in the page's CSS a later one wins
    "crit": ("#ede9fe", "#7c3aed"), "node": ("#ffffff", "#475569"), "data": ("#e0f2fe", "#0284c7"),
    "param": ("#f1f5f9", "#94a3b8"), "completed": ("#dcfce7", "#16a34a"), "failed": ("#fee2e2", "#dc2626"),
    "not_run": ("#f3f4f6", "#9ca3af"), "skipped": ("#fef3c7", "#d97706"), "running": ("#dbeafe", "#2563eb")}


class _Vertex:
    """A node or a dataset (or a bend of a long edge) in the drawing: its links and its place."""

    __slots__ = ("index", "name", "kind", "spaces", "label", "tip", "tags", "preds", "succs", "up",
                 "down", "status", "seconds", "crit", "onward", "layer", "key", "x", "width")

    def __init__(self, index: int, name: str, kind: str, spaces: list[str]) -> None:
        self.index, self.name, self.kind, self.spaces = index, name, kind, spaces  # outermost first
        short = name.replace(f"{spaces[-1]}.", "", 1) if spaces else name  # the frame names it
        self.label = short if len(short) <= 32 else short[:31] + "…"
        self.tip, self.tags, self.status, self.seconds, self.crit = name, [], None, None, False
        self.preds: list[_Vertex] = []
        self.succs: list[_Vertex] = []
        self.up: list[_Vertex] = []  # the layout's neighbours: bends included
        self.down: list[_Vertex] = []
        self.onward: _Vertex | None = None  # the next vertex on the critical path
        self.layer, self.key, self.x, self.width = 0, 0.0, 0.0, 0.0

    @property
    def space(self) -> str:
        return self.spaces[-1] if self.spaces else ""

    @property
    def text(self) -> str:
        """The label, and the node's time when a run recorded one."""
        return self.label if self.seconds is None else f"{self.label}  {format_seconds(self.seconds)}"


def render(pipeline: Pipeline, fmt: str = "mermaid", run: dict | None = None, *,
           title: str = "pipeline", types: dict[str, str] | None = None) -> str:
    """Draw ``pipeline`` as Mermaid, Graphviz dot or a self-contained HTML page.

    Args:
        pipeline: What to draw: its nodes, datasets (parameters muted) and namespaces.
        fmt: ``"mermaid"`` (GitHub renders it in Markdown), ``"dot"`` or ``"html"``.
        run: A run record (``.minikedro/runs/<id>.json``): nodes coloured by status and
            labelled with their times, and the critical path highlighted.
        title: The page's heading (html only).
        types: Dataset name -> its type, shown in the page's tooltips.

    Raises:
        ValueError: An unknown format.
    """
    if fmt not in ("mermaid", "dot", "html"):
        raise ValueError(f"unknown format {fmt!r}: valid formats are mermaid, dot and html")
    vertices = _graph(pipeline, run or {}, types or {})
    if fmt == "html":
        collecting = gc.isenabled()
        gc.disable()  # the layout makes many objects: collecting as it goes would double its time
        try:
            return _html(vertices, run, title)
        finally:
            if collecting:
                gc.enable()
    return (_mermaid if fmt == "mermaid" else _dot)(vertices)


def _graph(pipeline: Pipeline, run: dict, types: dict[str, str]) -> list[_Vertex]:
    """Nodes and datasets (by base name) in topological order, linked, with the run's facts."""
    spaces = {prefix for each in pipeline.nodes for prefix in each.namespace_prefixes}
    records = {r.get("name"): r for r in run.get("nodes") or () if isinstance(r, dict)}
    vertices: list[_Vertex] = []
    datasets: dict[str, _Vertex] = {}
    nodes: dict[str, _Vertex] = {}

    def dataset(name: str) -> _Vertex:
        name = strip_transcoding(name)
        if name not in datasets:  # in the namespaces its name starts with ("params:" aside)
            parts = name.replace("params:", "", 1).split(".")
            inside = [".".join(parts[:k]) for k in range(1, len(parts)) if ".".join(parts[:k]) in spaces]
            vertex = datasets[name] = _Vertex(len(vertices), name, "param" if is_parameter(name) else "data",
                                              inside)
            vertex.tip = f"{name}\n{types.get(name) or ('parameters' if is_parameter(name) else 'dataset')}"
            vertices.append(vertex)
        return datasets[name]

    def link(a: _Vertex, b: _Vertex) -> None:
        if b not in a.succs:  # a@pandas and a@spark are one dataset
            a.succs.append(b)
            b.preds.append(a)

    for each in pipeline.nodes:
        inputs = [dataset(name) for name in each.inputs]
        vertex = nodes[each.name] = _Vertex(len(vertices), each.name, "node", each.namespace_prefixes)
        vertices.append(vertex)
        record, vertex.tags = records.get(each.name) or {}, sorted(each.tags)
        vertex.status = record.get("status") if record.get("status") in COLOURS else None
        seconds = record.get("seconds")
        timed = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
        vertex.seconds = seconds if timed else None
        facts = [("function", _function_name(each.func)), ("inputs", ", ".join(each.inputs)),
                 ("outputs", ", ".join(each.outputs)), ("tags", ", ".join(vertex.tags)),
                 ("status", vertex.status), ("time", vertex.seconds is not None and format_seconds(seconds)),
                 ("error", record.get("error"))]
        vertex.tip = each.name + "".join(f"\n{key}: {value}" for key, value in facts if value)
        for source in inputs:
            link(source, vertex)
        for name in each.outputs:
            link(vertex, dataset(name))
    total, chain = critical_path(pipeline, {n: v.seconds for n, v in nodes.items() if v.seconds})
    path = [nodes[name] for name in chain] if total > 0 else []
    while path and path[-1].seconds is None:  # nodes after the last one timed did not run
        path.pop()
    for parent, child in zip([None, *path], path):  # the nodes, and the datasets linking them
        child.crit = True
        if parent is not None:
            data = next(d for d in child.preds if parent in d.preds)
            data.crit, parent.onward, data.onward = True, data, child
    return vertices


def _function_name(func: Any) -> str:
    while isinstance(func, functools.partial):
        func = func.func
    name = getattr(func, "__qualname__", type(func).__name__)
    return f"{func.__module__}.{name}" if getattr(func, "__module__", None) else name


def _nesting(vertices: list[_Vertex]) -> Iterator[tuple[str, Any, int]]:
    """``("open", namespace, depth)``, ``("vertex", v, depth)``, ``("close", ...)``, nested."""
    members: dict[str, list[_Vertex]] = {}
    children: dict[str, set[str]] = {}
    for vertex in vertices:
        members.setdefault(vertex.space, []).append(vertex)
        for outer, inner in zip(["", *vertex.spaces], vertex.spaces):
            children.setdefault(outer, set()).add(inner)

    def walk(space: str, depth: int) -> Iterator[tuple[str, Any, int]]:
        for child in sorted(children.get(space, ())):
            yield "open", child, depth
            yield from walk(child, depth + 1)
            yield "close", child, depth
        for vertex in members.get(space, ()):
            yield "vertex", vertex, depth
    return walk("", 0)


def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label, on one line: lookalikes for what Mermaid would parse.

    (Mermaid's own entity codes, ``#quot;``, show as garbage in Mermaid 11.)
    """
    text = re.sub(r"#(?=\w+;)", "＃", text)  # not an entity code
    return " ".join(text.translate(str.maketrans('"<>`', "'‹›'")).split())


def _mermaid(vertices: list[_Vertex]) -> str:
    shapes = {"node": '["{}"]', "data": '[("{}")]', "param": '(["{}"])'}  # box, cylinder, stadium
    lines, groups = ["flowchart TD"], 0
    for event, item, depth in _nesting(vertices):
        indent = "    " * (depth + 1)
        if event == "open":
            lines.append(f'{indent}subgraph s{groups}["{_mermaid_text(item.rpartition(".")[2])}"]')
            groups += 1
        else:
            lines.append(f"{indent}end" if event == "close" else
                         f"{indent}v{item.index}{shapes[item.kind].format(_mermaid_text(item.text))}")
    edges = [(a, b) for a in vertices for b in a.succs]
    lines += [f"    v{a.index} --> v{b.index}" for a, b in edges]
    for name, (fill, line) in COLOURS.items():
        ids = [f"v{v.index}" for v in vertices if name in (v.kind, v.status) or name == "crit" and v.crit]
        if ids and name not in ("node", "data"):
            style = (f"stroke:{line},stroke-width:3px" if name == "crit" else f"fill:{fill},stroke:{line}"
                     + ",color:#64748b,stroke-dasharray:4 3" * (name == "param"))
            lines += [f"    classDef {name} {style}", f"    class {','.join(ids)} {name}"]
    critical = [str(i) for i, (a, b) in enumerate(edges) if a.onward is b]
    if critical:
        lines.append(f"    linkStyle {','.join(critical)} stroke:{COLOURS['crit'][1]},stroke-width:3px")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(vertices: list[_Vertex]) -> str:
    lines = ["digraph pipeline {", "    rankdir=TB;", '    node [fontname="Helvetica", fontsize=11];']
    clusters = 0
    for event, item, depth in _nesting(vertices):
        indent = "    " * (depth + 1)
        if event == "open":
            label = _dot_text(item.rpartition(".")[2])
            lines += [f"{indent}subgraph cluster_{clusters} {{",
                      f'{indent}    label={label}; style="rounded,dashed"; color="#a5b4fc";']
            clusters += 1
        elif event == "close":
            lines.append(f"{indent}}}")
        else:
            fill, line = COLOURS[item.status or item.kind]
            shape = ('cylinder, style="filled"' if item.kind == "data" else 'box, style="rounded,filled'
                     + (',dashed", fontcolor="#64748b"' if item.kind == "param" else '"'))
            line = f'"{COLOURS["crit"][1]}", penwidth=2.5' if item.crit else f'"{line}"'
            lines.append(f'{indent}v{item.index} [label={_dot_text(item.text)}, shape={shape}, '
                         f'fillcolor="{fill}", color={line}];')
    lines += [f"    v{a.index} -> v{b.index}" + (f' [color="{COLOURS["crit"][1]}", penwidth=2.5];'
                                                   if a.onward is b else ";")
              for a in vertices for b in a.succs]
    return "\n".join(lines + ["}"]) + "\n"


def _layout(vertices: list[_Vertex]) -> tuple[list[list[_Vertex]], dict]:
    """Place every vertex; return the layers and each edge's route through its bends.

    An edge across layers bends once in each layer it crosses (shortest edges first,
    up to twice as many bends as vertices: the cost stays linear), so that it runs
    around what lies between. A namespace gets a filler in each layer it spans
    without a member, so that nothing else can sit inside its rectangle.
    """
    for vertex in vertices:  # topological order: predecessors come first
        vertex.layer = max((p.layer + 1 for p in vertex.preds), default=0)
        vertex.width = len(vertex.text) * CHAR + 24
    for vertex in vertices:
        if not vertex.preds and vertex.succs:  # a free input sits just above its first reader
            vertex.layer = min(s.layer for s in vertex.succs) - 1
    first: dict[str, int] = {}  # each namespace's first layer
    for vertex in vertices:
        for space in vertex.spaces:
            first[space] = min(first.get(space, vertex.layer), vertex.layer)
    routes, budget = {}, 2 * len(vertices)
    for a, b in sorted(((a, b) for a in vertices for b in a.succs), key=lambda e: e[1].layer - e[0].layer):
        bends = b.layer - a.layer - 1 if b.layer - a.layer - 1 <= budget else 0
        budget -= bends
        route = routes[a, b] = [a] + [_Vertex(-1, "", "bend", [s for s in b.spaces if first[s] <= layer])
                                      for layer in range(a.layer + 1, a.layer + 1 + bends)] + [b]
        for layer, bend in enumerate(route[1:-1], a.layer + 1):  # inside b's frames once they begin
            bend.layer = layer
        for upper, lower in zip(route, route[1:]):
            upper.down.append(lower)
            lower.up.append(upper)
    layers: list[list[_Vertex]] = [[] for _ in range(1 + max((v.layer for v in vertices), default=-1))]
    spans: dict[str, set[int]] = {}
    for vertex in [*vertices, *(bend for route in routes.values() for bend in route[1:-1])]:
        layers[vertex.layer].append(vertex)
        for space in vertex.spaces:
            spans.setdefault(space, set()).add(vertex.layer)
    for space, held in spans.items():
        parts = space.split(".")
        for layer in set(range(min(held), max(held) + 1)) - held:
            filler = _Vertex(-1, "", "bend", [".".join(parts[:k]) for k in range(1, len(parts) + 1)])
            filler.layer = layer
            layers[layer].append(filler)
    for sweep in range(SWEEPS):
        down, where = sweep % 2 == 0, {}
        for vertex in (v for layer in layers for v in layer):
            for space in vertex.spaces:
                where.setdefault(space, []).append(vertex.x)
        mean = {space: sum(xs) / len(xs) for space, xs in where.items()}  # one order in every layer
        for layer in layers if down else reversed(layers):
            for vertex in layer:
                near = (vertex.up if down else vertex.down) if sweep < SWEEPS - 2 else vertex.up + vertex.down
                vertex.key = sum(n.x for n in near) / len(near) if near else vertex.x
            layer.sort(key=lambda v: [(mean[space], space) for space in v.spaces] + [(v.key, "")])
            _pack(layer)
    _place(layers)
    return layers, routes


def _pack(layer: list[_Vertex]) -> None:
    """Set x near each key, in order and apart: the mean of pushing right and pushing left."""
    gaps = [(a.width + b.width) / 2 + GAP for a, b in zip(layer, layer[1:])]
    right, left = [layer[0].key], [layer[-1].key]
    for vertex, gap in zip(layer[1:], gaps):
        right.append(max(vertex.key, right[-1] + gap))
    for vertex, gap in zip(reversed(layer[:-1]), reversed(gaps)):
        left.append(min(vertex.key, left[-1] - gap))
    for vertex, x_right, x_left in zip(layer, right, reversed(left)):
        vertex.key = vertex.x = (x_right + x_left) / 2


def _place(layers: list[list[_Vertex]]) -> None:
    """As ``_pack``, for all layers at once, with each namespace inside one rectangle.

    A layer is a chain ``next - previous >= distance`` through its vertices and the
    sides of the frames it crosses; a frame's sides are the same in all its layers.
    Pushing right (then left) is one pass over the chains' links in topological order.
    """
    before: dict[Any, list[tuple[Any, float]]] = {}
    after: dict[Any, list[tuple[Any, float]]] = {}
    sorter: TopologicalSorter = TopologicalSorter()
    for layer in layers:
        chain: list[Any] = []  # vertices, and ("[", namespace) / ("]", namespace): a frame's sides
        for previous, vertex in zip([None, *layer], [*layer, None]):
            opened, spaces = previous.spaces if previous else [], vertex.spaces if vertex else []
            kept = sum(1 for x, y in zip(opened, spaces) if x == y)
            chain += [("]", space) for space in reversed(opened[kept:])]
            chain += [("[", space) for space in spaces[kept:]] + ([vertex] if vertex else [])
        for a, b in zip(chain, chain[1:]):  # a frame's side has no width; inside it, PAD
            inside = isinstance(a, tuple) and a[0] == "[" or isinstance(b, tuple) and b[0] == "]"
            distance = getattr(a, "width", 0) / 2 + getattr(b, "width", 0) / 2 + (PAD if inside else GAP)
            before.setdefault(b, []).append((a, distance))
            after.setdefault(a, []).append((b, distance))
            sorter.add(b, a)
    order = list(sorter.static_order())
    right: dict[Any, float] = {}
    left: dict[Any, float] = {}
    for item in order:  # a frame's side goes where its neighbours push it
        right[item] = max([getattr(item, "key", -1e12)] + [right[a] + d for a, d in before.get(item, ())])
    for item in reversed(order):
        left[item] = min([getattr(item, "key", 1e12)] + [left[b] - d for b, d in after.get(item, ())])
    everything = [vertex for layer in layers for vertex in layer]
    for vertex in everything:
        vertex.x = (right.get(vertex, vertex.key) + left.get(vertex, vertex.key)) / 2
    shift = 20 - min((v.x - v.width / 2 - PAD * len(v.spaces) for v in everything), default=0)
    for vertex in everything:
        vertex.x += shift


def _frames(layers: list[list[_Vertex]], y: list[int]) -> dict[str, list[float]]:
    """Each namespace's rectangle around its members (left, top, right, bottom), and its nodes."""
    frames: dict[str, list[float]] = {}
    for vertex in (v for layer in layers for v in layer):
        for depth, space in enumerate(vertex.spaces):
            levels, box = len(vertex.spaces) - depth, frames.setdefault(space, [1e12, 1e12, -1e12, 0, 0])
            box[:] = (min(box[0], vertex.x - vertex.width / 2 - PAD * levels),
                      min(box[1], y[vertex.layer] - LABEL * levels),
                      max(box[2], vertex.x + vertex.width / 2 + PAD * levels),
                      max(box[3], y[vertex.layer] + HEIGHT + PAD * levels), box[4] + (vertex.kind == "node"))
    return frames


def _html(vertices: list[_Vertex], run: dict | None, title: str) -> str:
    """The page: a header with the search box and legend, then the SVG."""
    (layers, routes), escape = _layout(vertices), html.escape
    top = 30 + LABEL * max((len(v.spaces) for v in vertices), default=0)
    y = [top + LAYER * index for index in range(len(layers))]
    right = max((v.x + v.width / 2 + PAD * len(v.spaces) for layer in layers for v in layer), default=0)
    width, height = round(right + 20), top + LAYER * len(layers)
    svg = [f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{ARROWS}']
    ends: dict[Any, list] = {}  # a vertex's edges leave (arrive) side by side, in the order they go
    for (a, b), route in routes.items():
        ends.setdefault((a, "out"), []).append((route[1].x, a, b))
        ends.setdefault((b, "in"), []).append((route[-2].x, a, b))
    shift: dict[Any, float] = {}
    for (vertex, side), edges in ends.items():
        spread = min(vertex.width / 2 - 12, 6 * (len(edges) - 1))
        for k, (_, a, b) in enumerate(sorted(edges, key=lambda e: e[0])):
            shift[a, b, side] = spread * (2 * k / (len(edges) - 1) - 1) if len(edges) > 1 else 0
    for (a, b), route in routes.items():  # curves leaving and arriving vertically
        points = [(a.x + shift[a, b, "out"], y[a.layer] + HEIGHT),
                  *((v.x, y[v.layer] + HEIGHT / 2) for v in route[1:-1]),
                  (b.x + shift[a, b, "in"], y[b.layer] - 1)]
        path = "".join(f"C{x1:.1f},{(y1 + y2) / 2} {x2:.1f},{(y1 + y2) / 2} {x2:.1f},{y2}"
                       for (x1, y1), (x2, y2) in zip(points, points[1:]))
        svg.append(f'<path class="e{" crit" * (a.onward is b)}" data-a="{a.index}" data-b="{b.index}" '
                   f'd="M{points[0][0]:.1f},{points[0][1]}{path}"/>')
    for space, (x0, y0, x1, y1, count) in sorted(_frames(layers, y).items()):  # outer first; over edges
        svg.append(f'<g class="frame" data-ns="{escape(space)}" data-count="{count}"><rect x="{x0:.1f}" '
                   f'y="{y0}" width="{x1 - x0:.1f}" height="{y1 - y0}" rx="8"/><text x="{x0 + 10:.1f}" '
                   f'y="{y0 + 4}">▾ {escape(space.rpartition(".")[2])}</text></g>')
    for v in vertices:
        classes = " ".join(filter(None, ("v", v.kind, v.status, v.crit and "crit")))
        seconds = "" if v.seconds is None else f'<tspan class="t"> {format_seconds(v.seconds)}</tspan>'
        svg.append(f'<g class="{classes}" data-name="{escape(v.name)}" data-ns="{escape(v.space)}" '
                   f'data-tags="{escape(" ".join(v.tags))}" data-tip="{escape(v.tip)}"><rect '
                   f'x="{v.x - v.width / 2:.1f}" y="{y[v.layer]}" width="{v.width:.1f}" height="{HEIGHT}" '
                   f'rx="{5 if v.kind == "node" else 14}"/><text x="{v.x:.1f}" y="{y[v.layer] + 18}">'
                   f'{escape(v.label)}{seconds}</text></g>')
    nodes = sum(v.kind == "node" for v in vertices)
    facts, keys = [f"{nodes} nodes, {len(vertices) - nodes} datasets"], ["node", "data", "param"]
    if run is not None:
        facts.append(" · ".join(str(run[k]) for k in ("run_id", "status", "started") if run.get(k)))
        keys += [key for key in COLOURS if any(v.status == key for v in vertices)] + ["crit"]
    names = {"data": "dataset", "param": "parameters", "not_run": "not run", "crit": "critical path"}
    legend = "".join(f'<span class="key {key}">{names.get(key, key)}</span>' for key in keys)
    palette = "".join(f".{key}{{--fill:{fill};--line:{line}}}" for key, (fill, line) in COLOURS.items())
    parts = {"TITLE": escape(title), "FACTS": escape(" — ".join(facts)), "PALETTE": palette,
             "LEGEND": legend, "SVG": "\n".join(svg)}
    return re.sub(r"__([A-Z]+)__", lambda match: parts[match.group(1)], PAGE)  # once: names may hold __X__


ARROWS = "<defs>" + "".join(
    f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
    f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="{colour}"/></marker>'
    for name, colour in (("arrow", "#94a3b8"), ("arrow-crit", COLOURS["crit"][1]))) + "</defs>"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__ · minikedro</title>
<style>
body{margin:0;font:13px system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;background:#f8fafc}
header{position:sticky;top:0;left:0;z-index:1;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;
padding:8px 16px;background:#fff;border-bottom:1px solid #e2e8f0}
h1{font-size:15px;margin:0}.facts,#found{color:#64748b}
input{font:inherit;padding:3px 8px;border:1px solid #cbd5e1;border-radius:6px;width:16em}
label{white-space:nowrap;color:#64748b}#zoom{width:8em;vertical-align:middle}
__PALETTE__
.key{display:inline-block;margin-right:4px;padding:0 8px;border:1.5px solid var(--line);border-radius:5px;
background:var(--fill);font-size:12px}.key.data,.key.param{border-radius:10px}.key.param{border-style:dashed}
.v rect{fill:var(--fill);stroke:var(--line);stroke-width:1.5}.param rect{stroke-dasharray:4 3}
.v text{font-size:12px;text-anchor:middle;fill:#1f2937}.node text{font-weight:600}
.param text{fill:#64748b}.v .t{font-weight:400;fill:#475569}
.e{fill:none;stroke:#94a3b8;stroke-width:1.3;marker-end:url(#arrow)}
.e.crit{stroke:#7c3aed;stroke-width:2.5;marker-end:url(#arrow-crit)}
.v.crit rect{stroke:#7c3aed;stroke-width:3}
.frame rect{fill:rgba(99,102,241,.06);stroke:rgba(99,102,241,.35)}
.frame text{font-size:12px;font-weight:600;fill:#4f46e5;cursor:pointer;
paint-order:stroke;stroke:#f8fafc;stroke-width:5px}
.searching .v:not(.hit),.searching .e{opacity:.2}.hit rect{stroke:#f59e0b;stroke-width:3.5}
#tip{position:fixed;max-width:40em;white-space:pre-wrap;background:#111827;color:#f9fafb;padding:6px 9px;
border-radius:6px;font:12px ui-monospace,Menlo,monospace;pointer-events:none}
</style></head><body>
<header><h1>__TITLE__</h1><span class="facts">__FACTS__</span>
<input id="find" type="search" placeholder="Find a node, dataset or tag" aria-label="Find">
<span id="found"></span><span>__LEGEND__</span>
<label>zoom <input id="zoom" type="range" min="10" max="100" value="100"></label></header>
__SVG__
<div id="tip" hidden></div>
<script>
(function () {
  "use strict";
  var svg = document.getElementById("graph"), tip = document.getElementById("tip");
  var vertices = svg.querySelectorAll("g.v"), edges = svg.querySelectorAll("path.e");
  var frames = {}, folded = {};
  svg.querySelectorAll("g.frame").forEach(function (f) { frames[f.dataset.ns] = f; });
  function holder(ns) {  // the outermost folded namespace holding ns, if any
    var found;
    for (var f in folded) {
      if ((ns === f || ns.indexOf(f + ".") === 0) && !(found && found.length < f.length)) found = f;
    }
    return found;
  }
  function shape(i) {  // the rectangle standing for vertex i: its own, or its folded frame's
    var ns = holder(vertices[i].dataset.ns);
    return (ns ? frames[ns] : vertices[i]).firstElementChild;
  }
  function redraw() {  // hide what folded frames hold; an edge into one ends at its box
    vertices.forEach(function (g) { g.style.display = holder(g.dataset.ns) ? "none" : ""; });
    Object.keys(frames).forEach(function (ns) {
      var outer = holder(ns); frames[ns].style.display = outer && outer !== ns ? "none" : "";
    });
    edges.forEach(function (e) {
      var a = shape(e.dataset.a), b = shape(e.dataset.b), p = a.getBBox(), q = b.getBBox();
      var x1 = p.x + p.width / 2, y1 = p.y + p.height, x2 = q.x + q.width / 2, y2 = q.y - 1;
      var m = (y1 + y2) / 2;
      e.dataset.d = e.dataset.d || e.getAttribute("d");
      e.style.display = a === b ? "none" : "";
      e.setAttribute("d", a.parentNode.matches(".frame") || b.parentNode.matches(".frame") ?
        "M" + x1 + "," + y1 + "C" + x1 + "," + m + " " + x2 + "," + m + " " + x2 + "," + y2 : e.dataset.d);
    });
  }
  svg.addEventListener("click", function (event) {  // a frame's label folds or unfolds it
    var label = event.target.closest(".frame > text");
    if (!label) return;
    var frame = label.parentNode, ns = frame.dataset.ns, box = frame.firstElementChild, d = frame.dataset;
    if (folded[ns]) {
      delete folded[ns];
      box.setAttribute("width", d.width);
      box.setAttribute("height", d.height);
      label.setAttribute("y", +box.getAttribute("y") + 4);
      label.textContent = "\\u25be " + ns.split(".").pop();
    } else {
      folded[ns] = true;
      d.width = box.getAttribute("width");
      d.height = box.getAttribute("height");
      label.textContent = "\\u25b8 " + ns.split(".").pop() + " \\u00b7 " + d.count + " nodes";
      box.setAttribute("width", label.getBBox().width + 20);
      box.setAttribute("height", 30);
      label.setAttribute("y", +box.getAttribute("y") + 19);
    }
    redraw();
  });
  document.getElementById("find").addEventListener("input", function () {  // by name or tag
    var query = this.value.trim().toLowerCase(), first = null, hits = 0;
    vertices.forEach(function (g) {
      var hit = query !== "" && (g.dataset.name + " " + g.dataset.tags).toLowerCase().indexOf(query) >= 0;
      g.classList.toggle("hit", hit);
      if (hit) { hits += 1; first = first || g; }
    });
    svg.classList.toggle("searching", query !== "");
    document.getElementById("found").textContent = query ? hits + " found" : "";
    if (first && !holder(first.dataset.ns)) first.scrollIntoView({block: "center", inline: "center"});
  });
  var width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
  document.getElementById("zoom").addEventListener("input", function () {  // the whole at a glance
    svg.setAttribute("width", width * this.value / 100);
    svg.setAttribute("height", height * this.value / 100);
  });
  svg.addEventListener("mousemove", function (event) {
    var g = event.target.closest("g.v");
    tip.hidden = !g;
    if (!g) return;
    tip.textContent = g.dataset.tip;
    tip.style.left = Math.min(event.clientX + 14, innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = Math.min(event.clientY + 14, innerHeight - tip.offsetHeight - 4) + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.hidden = true; });
})();
</script></body></html>
"""


def main(args: argparse.Namespace) -> int:
    """``minikedro viz``: draw a registered pipeline, coloured by a recorded run if asked.

    ``args``: ``pipeline`` (default ``__default__``); ``format`` (default: from the
    ``output`` suffix, else mermaid); ``output`` (default: stdout; a ``.md`` file gets a
    fenced block); ``run`` (an id, or ``last``); ``project``; ``env``, whose catalog gives
    the datasets' types.
    """
    from minikedro.framework.project import pipelines
    from minikedro.framework.session import KedroSession
    from minikedro.observe.records import load_run

    session = KedroSession.create(project_path=args.project, env=getattr(args, "env", None))
    name, output = args.pipeline or "__default__", args.output
    if name not in pipelines:
        raise ValueError(f"pipeline {name!r} not found; registered pipelines: {', '.join(sorted(pipelines))}")
    try:
        catalog = session.load_context().catalog
        types = {d: catalog.get_type(d) for d in pipelines[name].datasets() if not is_parameter(d)}
    except Exception as exc:  # a picture needs no catalog: draw it without the types
        logger.warning("Dataset types are not shown: the catalog did not load: %s", exc)
        types = {}
    run = load_run(session.metadata.project_path, args.run) if args.run else None
    fmt = args.format or (FORMATS.get(Path(output).suffix.lower(), "mermaid") if output else "mermaid")
    text = render(pipelines[name], fmt, run, title=f"{session.metadata.project_name}: {name}",
                  types={d: t.rpartition(".")[2] for d, t in types.items() if t})
    if output is None:
        print(text, end="")
        return 0
    if fmt == "mermaid" and output.lower().endswith(".md"):  # a block GitHub renders
        text = f"```mermaid\n{text}```\n"
    Path(output).write_text(text, encoding="utf-8")
    print(f"Wrote the {fmt} picture of pipeline {name!r} to {output}")
    return 0
