"""Draw a pipeline with no server: a Mermaid flowchart, Graphviz input, or one HTML page.

Public names: ``render``, ``main`` (the ``minikedro viz`` command) and ``FORMATS`` (output
suffix -> format). Kedro's counterpart is the Kedro-Viz server. The page is one file that
opens from disk: SVG laid out here in time close to linear, CSS and a small script, no URL.
"""
from __future__ import annotations

import argparse
import functools
import gc
import html
import itertools
import json
import logging
import re
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any, Callable

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

    __slots__ = ("index", "name", "kind", "spaces", "space", "label", "text", "tip", "tags", "preds", "succs",
                 "up", "down", "status", "seconds", "crit", "onward", "layer", "key", "x", "width")

    def __init__(self, index: int, name: str, kind: str, spaces: list[str], layer: int = 0) -> None:
        self.index, self.name, self.kind, self.spaces = index, name, kind, spaces  # outermost first
        self.space = spaces[-1] if spaces else ""
        short = name.replace(f"{self.space}.", "", 1) if spaces else name  # the frame names it
        self.label = self.text = short if len(short) <= 32 else short[:31] + "…"  # text: and its time
        self.tip, self.tags, self.status, self.seconds, self.crit = name, [], None, None, False
        self.preds, self.succs, self.up, self.down = [], [], [], []  # up, down: the layout's, with bends
        self.onward: _Vertex | None = None  # the next vertex on the critical path
        self.layer, self.key, self.x, self.width = layer, 0.0, 0.0, 0.0


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
    if fmt != "html":
        return (_mermaid if fmt == "mermaid" else _dot)(vertices)
    collecting = gc.isenabled()
    gc.disable()  # the layout makes many objects: collecting as it goes would double its time
    try:
        return _html(vertices, run, title)
    finally:
        if collecting:
            gc.enable()


def _graph(pipeline: Pipeline, run: dict, types: dict[str, str]) -> list[_Vertex]:
    """Nodes and datasets (by base name) in topological order, linked, with the run's facts."""
    spaces = {prefix for each in pipeline.nodes for prefix in each.namespace_prefixes}
    records = {r.get("name"): r for r in run.get("nodes") or () if isinstance(r, dict)}
    vertices: list[_Vertex] = []
    datasets: dict[str, _Vertex] = {}
    nodes: dict[str, _Vertex] = {}

    def datasets_named(names: tuple[str, ...]) -> list[_Vertex]:
        names = tuple(dict.fromkeys(map(strip_transcoding, names)))  # a@pandas and a@spark are one
        for name in names:
            if name not in datasets:  # in the namespaces its name starts with ("params:" aside)
                parts = name.replace("params:", "", 1).split(".")
                inside = [s for s in (".".join(parts[:k]) for k in range(1, len(parts))) if s in spaces]
                kind = "param" if is_parameter(name) else "data"
                vertex = datasets[name] = _Vertex(len(vertices), name, kind, inside)
                vertex.tip = f"{name}\n{types.get(name) or ('parameters' if kind == 'param' else 'dataset')}"
                vertices.append(vertex)
        return [datasets[name] for name in names]

    for each in pipeline.nodes:
        inputs = datasets_named(each.inputs)
        vertex = nodes[each.name] = _Vertex(len(vertices), each.name, "node", each.namespace_prefixes)
        vertices.append(vertex)
        record, vertex.tags = records.get(each.name) or {}, sorted(each.tags)
        vertex.status = record.get("status") if record.get("status") in COLOURS else None
        seconds = record.get("seconds")
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            vertex.seconds, vertex.text = seconds, f"{vertex.label}  {format_seconds(seconds)}"
        facts = [("function", each._func_name), ("inputs", ", ".join(each.inputs)),
                 ("outputs", ", ".join(each.outputs)), ("tags", ", ".join(vertex.tags)),
                 ("status", vertex.status), ("time", vertex.seconds is not None and format_seconds(seconds)),
                 ("error", record.get("error"))]
        vertex.tip = each.name + "".join(f"\n{key}: {value}" for key, value in facts if value)
        vertex.preds, vertex.succs = inputs, datasets_named(each.outputs)
        for source in inputs:
            source.succs.append(vertex)
        for output in vertex.succs:
            output.preds.append(vertex)
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


def _outline(vertices: list[_Vertex], opening: list[str], closing: str, quote: Callable[[str], str],
             draw: Callable[[_Vertex], str]) -> list[str]:
    """The lines of a Mermaid or dot body: each namespace as ``opening`` (formatted with a
    ``number`` and its quoted ``name``), what it holds indented, then ``closing``."""
    members: dict[str, list[_Vertex]] = {}
    children: dict[str, set[str]] = {}
    for vertex in vertices:
        members.setdefault(vertex.space, []).append(vertex)
        for outer, inner in zip(["", *vertex.spaces], vertex.spaces):
            children.setdefault(outer, set()).add(inner)
    lines: list[str] = []
    numbers = itertools.count()

    def walk(space: str, indent: str) -> None:
        for child in sorted(children.get(space, ())):
            number, name = next(numbers), quote(child.rpartition(".")[2])
            lines.extend(indent + line.format(number=number, name=name) for line in opening)
            walk(child, indent + "    ")
            lines.append(indent + closing)
        lines.extend(indent + draw(vertex) for vertex in members.get(space, ()))
    walk("", "    ")
    return lines


def _mermaid_text(text: str) -> str:
    """A quoted Mermaid label on one line, with lookalikes for what Mermaid would parse
    (its entity codes, ``#quot;``, show as garbage in Mermaid 11)."""
    text = re.sub(r"#(?=\w+;)", "＃", text)  # not an entity code
    return '"' + " ".join(text.translate(str.maketrans('"<>`', "'‹›'")).split()) + '"'


def _mermaid(vertices: list[_Vertex]) -> str:
    shapes = {"node": "[{}]", "data": "[({})]", "param": "([{}])"}  # box, cylinder, stadium
    body = _outline(vertices, ["subgraph s{number}[{name}]"], "end", _mermaid_text,
                    lambda v: f"v{v.index}" + shapes[v.kind].format(_mermaid_text(v.text)))
    edges = [(a, b) for a in vertices for b in a.succs]
    lines = ["flowchart TD", *body, *(f"    v{a.index} --> v{b.index}" for a, b in edges)]
    crit = f"stroke:{COLOURS['crit'][1]},stroke-width:3px"
    for name, (fill, line) in COLOURS.items():
        ids = [f"v{v.index}" for v in vertices if name in (v.kind, v.status) or name == "crit" and v.crit]
        if ids and name not in ("node", "data"):
            style = crit if name == "crit" else (f"fill:{fill},stroke:{line}"
                                                 + ",color:#64748b,stroke-dasharray:4 3" * (name == "param"))
            lines += [f"    classDef {name} {style}", f"    class {','.join(ids)} {name}"]
    critical = [str(i) for i, (a, b) in enumerate(edges) if a.onward is b]
    if critical:
        lines.append(f"    linkStyle {','.join(critical)} {crit}")
    return "\n".join(lines) + "\n"


_dot_text = functools.partial(json.dumps, ensure_ascii=False)  # a dot string is a JSON one: \" \\ \n


def _dot(vertices: list[_Vertex]) -> str:
    crit = f'"{COLOURS["crit"][1]}", penwidth=2.5'

    def draw(v: _Vertex) -> str:
        fill, line = COLOURS[v.status or v.kind]
        shape = ('cylinder, style="filled"' if v.kind == "data" else 'box, style="rounded,filled'
                 + (',dashed", fontcolor="#64748b"' if v.kind == "param" else '"'))
        return (f'v{v.index} [label={_dot_text(v.text)}, shape={shape}, fillcolor="{fill}", '
                f'color={crit if v.crit else _dot_text(line)}];')
    frame = ["subgraph cluster_{number} {{", '    label={name}; style="rounded,dashed"; color="#a5b4fc";']
    lines = ["digraph pipeline {", "    rankdir=TB;", '    node [fontname="Helvetica", fontsize=11];',
             *_outline(vertices, frame, "}", _dot_text, draw)]
    lines += [f"    v{a.index} -> v{b.index}" + (f" [color={crit}];" if a.onward is b else ";")
              for a in vertices for b in a.succs]
    return "\n".join(lines + ["}"]) + "\n"


def _layout(vertices: list[_Vertex]) -> tuple[list[list[_Vertex]], dict]:
    """Place every vertex; return the layers and each edge's route through its bends.

    Layers by longest path; the order in a layer by barycenter sweeps, each namespace kept
    together. An edge across layers bends once in each layer it crosses (shortest edges
    first, up to twice as many bends as vertices: the cost stays linear), so that it runs
    around what lies between. A namespace gets a filler in each layer it spans without a
    member, so that nothing else can sit inside its rectangle.
    """
    for vertex in vertices:  # topological order: predecessors come first
        vertex.layer = max((p.layer + 1 for p in vertex.preds), default=0)
        vertex.width = len(vertex.text) * CHAR + 24
    first: dict[str, int] = {}  # each namespace's first layer
    for vertex in vertices:
        if not vertex.preds and vertex.succs:  # a free input sits just above its first reader
            vertex.layer = min(s.layer for s in vertex.succs) - 1
        for space in vertex.spaces:
            first[space] = min(first.get(space, vertex.layer), vertex.layer)
    routes, budget = {}, 2 * len(vertices)
    for a, b in sorted(((a, b) for a in vertices for b in a.succs), key=lambda e: e[1].layer - e[0].layer):
        bends = b.layer - a.layer - 1 if b.layer - a.layer - 1 <= budget else 0
        budget -= bends
        route = routes[a, b] = [a, *(_Vertex(-1, "", "bend", [s for s in b.spaces if first[s] <= i], i)
                                     for i in range(a.layer + 1, a.layer + 1 + bends)), b]
        for upper, lower in zip(route, route[1:]):  # a bend is inside b's frames once they begin
            upper.down.append(lower)
            lower.up.append(upper)
    layers: list[list[_Vertex]] = [[] for _ in range(1 + max((v.layer for v in vertices), default=-1))]
    spans: dict[str, tuple[list[str], set[int]]] = {}  # a namespace's spaces, and the layers it has
    for vertex in [*vertices, *(bend for route in routes.values() for bend in route[1:-1])]:
        layers[vertex.layer].append(vertex)
        for depth, space in enumerate(vertex.spaces):
            spans.setdefault(space, (vertex.spaces[:depth + 1], set()))[1].add(vertex.layer)
    for within, held in spans.values():
        for layer in set(range(min(held), max(held) + 1)) - held:
            layers[layer].append(_Vertex(-1, "", "bend", within, layer))
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
    ends: dict[Any, list] = {}  # a vertex's edges leave (arrive) side by side, in the order they go
    for (a, b), route in routes.items():
        ends.setdefault((a, "out"), []).append((route[1].x, a, b))
        ends.setdefault((b, "in"), []).append((route[-2].x, a, b))
    shift: dict[Any, float] = {}
    for (vertex, side), edges in ends.items():
        spread = min(vertex.width / 2 - 12, 6 * (len(edges) - 1))
        for k, (_, a, b) in enumerate(sorted(edges, key=lambda e: e[0])):
            shift[a, b, side] = spread * (2 * k / max(len(edges) - 1, 1) - 1)
    svg = []
    for (a, b), route in routes.items():  # curves leaving and arriving vertically
        points = [(a.x + shift[a, b, "out"], y[a.layer] + HEIGHT),
                  *((v.x, y[v.layer] + HEIGHT / 2) for v in route[1:-1]),
                  (b.x + shift[a, b, "in"], y[b.layer] - 1)]
        path = "".join(f"C{x1:.1f},{(y1 + y2) / 2} {x2:.1f},{(y1 + y2) / 2} {x2:.1f},{y2}"
                       for (x1, y1), (x2, y2) in zip(points, points[1:]))
        svg.append(f'<path class="e{" crit" * (a.onward is b)}" data-a="{a.index}" data-b="{b.index}" '
                   f'd="M{points[0][0]:.1f},{points[0][1]}{path}"/>')
    for space, (x0, y0, x1, y1, count) in sorted(_frames(layers, y).items()):  # outer first; over edges
        outer, _, name = space.rpartition(".")
        box = f'x="{x0:.1f}" y="{y0}" width="{x1 - x0:.1f}" height="{y1 - y0}"'
        svg.append(f'<g class="frame" data-ns="{escape(space)}" data-in="{escape(outer)}" '
                   f'data-count="{count}"><rect {box} rx="8"/><text x="{x0 + 10:.1f}" y="{y0 + 4}">'
                   f'▾ {escape(name)}</text></g>')
    for v in vertices:  # the <title>: what hovering shows
        classes = " ".join(filter(None, ("v", v.kind, v.status, v.crit and "crit")))
        seconds = "" if v.seconds is None else f'<tspan class="t"> {format_seconds(v.seconds)}</tspan>'
        box = f'x="{v.x - v.width / 2:.1f}" y="{y[v.layer]}" width="{v.width:.1f}" height="{HEIGHT}"'
        svg.append(f'<g class="{classes}" data-name="{escape(v.name)}" data-in="{escape(v.space)}" '
                   f'data-tags="{escape(" ".join(v.tags))}"><rect {box} rx="{5 if v.kind == "node" else 14}"'
                   f'/><text x="{v.x:.1f}" y="{y[v.layer] + 18}">{escape(v.label)}{seconds}</text>'
                   f'<title>{escape(v.tip)}</title></g>')
    nodes, statuses = sum(v.kind == "node" for v in vertices), {v.status for v in vertices}
    facts, keys = [f"{nodes} nodes, {len(vertices) - nodes} datasets"], ["node", "data", "param"]
    if run is not None:
        facts.append(" · ".join(str(run[k]) for k in ("run_id", "status", "started") if run.get(k)))
        keys += [key for key in COLOURS if key in statuses] + ["crit"]
    names = {"data": "dataset", "param": "parameters", "not_run": "not run", "crit": "critical path"}
    palette = "".join(f".{key}{{--fill:{fill};--line:{line}}}" for key, (fill, line) in COLOURS.items())
    parts = {"TITLE": escape(title), "FACTS": escape(" — ".join(facts)), "SVG": "\n".join(svg),
             "WIDTH": str(round(right + 20)), "HEIGHT": str(top + LAYER * len(layers)), "PALETTE": palette,
             "LEGEND": "".join(f'<span class="key {key}">{names.get(key, key)}</span>' for key in keys)}
    return re.sub(r"__([A-Z]+)__", lambda match: parts[match.group(1)], PAGE)  # once: names may hold __X__


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__ · minikedro</title>
<style>
body{margin:0;font:13px system-ui,sans-serif;color:#1f2937;background:#f8fafc}
header{position:sticky;top:0;left:0;z-index:1;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;
padding:8px 16px;background:#fff;border-bottom:1px solid #e2e8f0}
h1{font-size:15px;margin:0}.facts,#found,label{color:#64748b;white-space:nowrap}
svg.fit{max-width:100%;height:auto}
#find{font:inherit;padding:3px 8px;border:1px solid #cbd5e1;border-radius:6px;width:16em}
__PALETTE__
.key{margin-right:4px;padding:0 8px;border:1.5px solid var(--line);border-radius:5px;background:var(--fill);
font-size:12px}.key.data,.key.param{border-radius:10px}.key.param{border-style:dashed}
.v rect{fill:var(--fill);stroke:var(--line);stroke-width:1.5}.param rect{stroke-dasharray:4 3}
.v text{font-size:12px;text-anchor:middle;fill:#1f2937}.node text{font-weight:600}.param text{fill:#64748b}
.v .t{font-weight:400;fill:#475569}.v.crit rect{stroke:#7c3aed;stroke-width:3}
.e{fill:none;stroke:#94a3b8;stroke-width:1.3;marker-end:url(#arrow)}
.e.crit{stroke:#7c3aed;stroke-width:2.5;marker-end:url(#arrow-crit)}
.frame rect{fill:rgba(99,102,241,.06);stroke:rgba(99,102,241,.35)}.frame text{font-size:12px;font-weight:600;
fill:#4f46e5;cursor:pointer;paint-order:stroke;stroke:#f8fafc;stroke-width:5px}
.searching .v:not(.hit),.searching .e{opacity:.2}.v.hit rect{stroke:#f59e0b;stroke-width:3.5}
</style></head><body>
<header><h1>__TITLE__</h1><span class="facts">__FACTS__</span>
<input id="find" type="search" placeholder="Find a node, dataset or tag" aria-label="Find">
<span id="found"></span><span>__LEGEND__</span>
<label><input id="fit" type="checkbox" checked autocomplete="off"> fit to width</label></header>
<svg id="graph" class="fit" xmlns="http://www.w3.org/2000/svg" width="__WIDTH__" height="__HEIGHT__"
viewBox="0 0 __WIDTH__ __HEIGHT__"><defs>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" orient="auto" markerWidth="9" markerHeight="9"
markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10z" fill="#94a3b8"/></marker>
<marker id="arrow-crit" viewBox="0 0 10 10" refX="9" refY="5" orient="auto" markerWidth="9" markerHeight="9"
markerUnits="userSpaceOnUse"><path d="M0,0L10,5L0,10z" fill="#7c3aed"/></marker></defs>
__SVG__
</svg>
<script>
"use strict";
{
  const svg = document.getElementById("graph"), frames = {};
  const vertices = svg.querySelectorAll("g.v"), edges = svg.querySelectorAll("path.e"), folded = new Set();
  svg.querySelectorAll("g.frame").forEach((f) => { frames[f.dataset.ns] = f; });
  const holder = (ns) => [...folded].filter((f) => ns === f || ns.startsWith(f + "."))  // the outermost
    .sort((a, b) => a.length - b.length)[0];  // folded namespace holding ns, if any
  // the rectangle standing for vertex i: its own, or its folded frame's
  const shape = (i) => (frames[holder(vertices[i].dataset.in)] || vertices[i]).firstElementChild;
  function redraw() {  // hide what folded frames hold; an edge into one ends at its box
    for (const g of svg.querySelectorAll(".v, .frame")) g.style.display = holder(g.dataset.in) ? "none" : "";
    edges.forEach((e) => {
      const a = shape(e.dataset.a), b = shape(e.dataset.b), p = a.getBBox(), q = b.getBBox();
      const x1 = p.x + p.width / 2, y1 = p.y + p.height, x2 = q.x + q.width / 2, y2 = q.y - 1;
      const m = (y1 + y2) / 2;
      e.dataset.d = e.dataset.d || e.getAttribute("d");
      e.style.display = a === b ? "none" : "";
      e.setAttribute("d", a.parentNode.matches(".frame") || b.parentNode.matches(".frame") ?
        `M${x1},${y1}C${x1},${m} ${x2},${m} ${x2},${y2}` : e.dataset.d);
    });
  }
  svg.addEventListener("click", (event) => {  // a frame's label folds or unfolds it
    const label = event.target.closest(".frame > text");
    if (!label) return;
    const box = label.previousElementSibling, d = label.parentNode.dataset, name = d.ns.split(".").pop();
    if (folded.has(d.ns)) folded.delete(d.ns); else folded.add(d.ns);
    const shut = folded.has(d.ns);
    if (shut) [d.width, d.height] = [box.getAttribute("width"), box.getAttribute("height")];
    label.textContent = shut ? `▸ ${name} · ${d.count} nodes` : `▾ ${name}`;
    box.setAttribute("width", shut ? label.getBBox().width + 20 : d.width);
    box.setAttribute("height", shut ? 30 : d.height);
    label.setAttribute("y", +box.getAttribute("y") + (shut ? 19 : 4));
    redraw();
  });
  document.getElementById("find").addEventListener("input", (event) => {  // by name or tag
    const query = event.target.value.trim().toLowerCase();
    const hits = [...vertices].filter((g) => g.classList.toggle("hit",
      query !== "" && `${g.dataset.name} ${g.dataset.tags}`.toLowerCase().includes(query)));
    svg.classList.toggle("searching", query !== "");
    document.getElementById("found").textContent = query ? `${hits.length} found` : "";
    if (hits[0] && !holder(hits[0].dataset.in)) hits[0].scrollIntoView({block: "center", inline: "center"});
  });
  document.getElementById("fit").addEventListener("change", (event) => {  // the whole, or full size
    svg.classList.toggle("fit", event.target.checked);
  });
}
</script></body></html>
"""


def main(args: argparse.Namespace) -> int:
    """``minikedro viz``: draw a registered pipeline, coloured by a recorded run if asked.

    ``args``: ``project``, ``env`` (its catalog gives the datasets' types), ``pipeline``,
    ``format`` (else from the ``output`` suffix, else mermaid), ``output`` (else stdout; a
    ``.md`` file gets a fenced block) and ``run`` (an id or ``last``).
    """
    from minikedro.framework.project import pipelines
    from minikedro.framework.session import KedroSession
    from minikedro.observe.records import load_run

    session = KedroSession.create(project_path=args.project, env=getattr(args, "env", None))
    name, output = args.pipeline or "__default__", args.output
    pipe = pipelines._select([name])[name]  # PipelineNotFoundError, suggesting close names
    try:
        catalog = session.load_context().catalog
        types = {d: catalog.get_type(d) for d in pipe.datasets() if not is_parameter(d)}
    except Exception as exc:  # a picture needs no catalog: draw it without the types
        logger.warning("Dataset types are not shown: the catalog did not load: %s", exc)
        types = {}
    run = load_run(session.metadata.project_path, args.run) if args.run else None
    fmt = args.format or (FORMATS.get(Path(output).suffix.lower(), "mermaid") if output else "mermaid")
    text = render(pipe, fmt, run, title=f"{session.metadata.project_name}: {name}",
                  types={d: t.rpartition(".")[2] for d, t in types.items() if t})
    if output is None:
        print(text, end="")
        return 0
    if fmt == "mermaid" and output.lower().endswith(".md"):  # a block GitHub renders
        text = f"```mermaid\n{text}```\n"
    Path(output).write_text(text, encoding="utf-8")
    print(f"Wrote the {fmt} picture of pipeline {name!r} to {output}")
    return 0
