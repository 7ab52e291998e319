"""``minikedro viz``: Mermaid, Graphviz and the self-contained page, from real pipelines."""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys

import pytest

from minikedro.observe.viz import main, render
from minikedro.pipeline import node, pipeline
from tests.project_factory import forget_package, make_project, subprocess_env

PACKAGE = "viz_demo"


def identity(*args):
    return args[0] if args else None


def shop_pipeline():
    """Nested namespaces, parameters, a free input, and names Mermaid and Graphviz must escape."""
    region = pipeline([node(identity, ["features", "params:split"], "model", name="fit", tags="model"),
                       node(identity, ["model", "features"], "scores", name="score")])
    return pipeline([
        node(identity, ["raw data.v1", 'params:quote"d'], "features", name="prepare", tags=["prep", "etl"]),
        *(pipeline(region, namespace=f"regions.{r}", inputs={"features"}, parameters={"params:split"})
          for r in ("north", "south")),
        node(identity, ["regions.north.scores", "regions.south.scores"], "report <final> `v2` #1;",
             name="report"),
    ])


def regions_pipeline(regions: int = 6):
    """About 100 nodes: shared preparation, one modular pipeline per region, a report."""
    region = pipeline([
        node(identity, ["features", "params:split"], ["X_train", "X_test"], name="split"),
        node(identity, ["labels", "params:split"], ["y_train", "y_test"], name="split_labels"),
        node(identity, ["X_train", "y_train", "params:model"], "model", name="fit"),
        node(identity, ["model", "X_test"], "predictions", name="predict"),
        node(identity, ["predictions", "y_test"], "metrics", name="evaluate"),
        node(identity, ["model"], "importances", name="explain"),
        node(identity, ["X_train"], "profile", name="profile_features"),
        node(identity, ["metrics", "importances", "profile"], "card", name="model_card"),
        node(identity, ["predictions"], "residuals", name="residuals"),
        node(identity, ["residuals", "params:plot"], "residual_plot", name="plot_residuals"),
        node(identity, ["card", "residual_plot"], "summary", name="summarise"),
        node(identity, ["summary"], "summary_html", name="to_html"),
    ])
    sources = ["orders", "customers", "products", "stores", "weather"]
    prepare = [node(identity, f"raw_{s}", f"clean_{s}", name=f"clean_{s}", tags="prep") for s in sources] + [
        node(identity, ["clean_orders", "clean_customers"], "orders_customers", name="join_customers"),
        node(identity, ["orders_customers", "clean_products"], "orders_full", name="join_products"),
        node(identity, ["orders_full", "clean_stores", "clean_weather"], "table", name="join_context"),
        node(identity, ["table", "params:features"], "features", name="build_features", tags="prep"),
        node(identity, "table", "labels", name="build_labels", tags="prep")]
    names = [f"r{k}" for k in range(regions)]
    parts = [pipeline(region, namespace=f"regions.{r}", inputs={"features", "labels"},
                      parameters={"params:split", "params:plot"}, tags="model") for r in names]
    report = pipeline([
        node(identity, [f"regions.{r}.metrics" for r in names], "leaderboard", name="leaderboard"),
        node(identity, [f"regions.{r}.summary_html" for r in names], "site", name="build_site"),
        node(identity, ["leaderboard", "site"], "release", name="release")], tags="report")
    return pipeline(prepare) + sum(parts) + report


def boxes(page: str) -> dict[tuple[str, str], tuple[float, float, float]]:
    """Each drawn ("node" or "data"/"param", name) -> left, top, right."""
    found = re.findall(r'class="v (\w+)[^"]*" data-name="([^"]*)"[^>]*><rect x="([\d.-]+)" y="([\d.]+)" '
                       r'width="([\d.]+)"', page)
    return {(k, html.unescape(n)): (float(x), float(y), float(x) + float(w)) for k, n, x, y, w in found}


def frames(page: str) -> dict[str, tuple[float, float, float, float]]:
    found = re.findall(r'class="frame" data-ns="([^"]*)"[^>]*><rect x="([\d.]+)" y="([\d.]+)" '
                       r'width="([\d.]+)" height="([\d.]+)"', page)
    return {n: (float(x), float(y), float(x) + float(w), float(y) + float(h)) for n, x, y, w, h in found}


# -- Mermaid ----------------------------------------------------------------------------------

MERMAID_LINE = re.compile(r'\s*(flowchart TD|subgraph s\d+\["[^"]*"\]|end|v\d+(\["[^"]*"\]|\[\("[^"]*"\)\]|'
                          r'\(\["[^"]*"\]\))|v\d+ --> v\d+|classDef \w+ [\w:#,. -]+|class [v\d,]+ \w+|'
                          r'linkStyle [\d,]+ [\w:#,-]+)')


def test_mermaid_is_a_flowchart_of_quoted_labels_with_namespaces_as_subgraphs():
    text = render(shop_pipeline())
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert [line for line in lines if not MERMAID_LINE.fullmatch(line)] == []
    assert text.count("subgraph ") == sum(line.strip() == "end" for line in lines) == 3
    assert re.search(r'subgraph s\d+\["regions"\]\n\s+subgraph s\d+\["north"\]', text)
    assert '["fit"]' in text and '[("model")]' in text  # shown without their namespace, inside it
    assert '[("raw data.v1")]' in text and '(["params:split"])' in text  # a cylinder, a stadium
    assert re.search(r"class (v\d+,?)+ param", text) and "classDef param" in text  # muted
    assert len(re.findall(r"-->", text)) == sum(len(n.inputs) + len(n.outputs) for n in shop_pipeline().nodes)


def test_mermaid_labels_replace_what_mermaid_would_parse():
    text = render(shop_pipeline())
    assert "(['params:quote'd'])" not in text and '(["params:quote\'d"])' in text
    assert "[(\"report ‹final› 'v2' ＃1;\")]" in text  # no <tag>, no markdown `string`, no entity code


# -- Graphviz ---------------------------------------------------------------------------------


def test_dot_is_a_digraph_with_a_cluster_per_namespace():
    text = render(shop_pipeline(), "dot")
    assert text.startswith("digraph pipeline {\n") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}") == 4  # the graph and three clusters
    assert re.search(r'subgraph cluster_\d+ \{\n\s+label="regions";[^}]*subgraph cluster_\d+ \{\n\s+'
                     r'label="north"', text)
    assert r'label="params:quote\"d"' in text and "shape=cylinder" in text
    assert len(re.findall(r"v\d+ -> v\d+;", text)) == sum(len(n.inputs) + len(n.outputs)
                                                           for n in shop_pipeline().nodes)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_reads_the_dot_file():
    result = subprocess.run(["dot", "-Tsvg"], input=render(shop_pipeline(), "dot"), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    assert "regions" in result.stdout and "report &lt;final&gt;" in result.stdout


# -- the page ---------------------------------------------------------------------------------


def test_the_page_needs_no_network_and_draws_every_node_and_dataset():
    pipe = shop_pipeline()
    page = render(pipe, "html", title="shop: __default__")
    assert re.findall(r"https?://[^\s\"')]+", page) == ["http://www.w3.org/2000/svg"]  # a namespace
    assert not re.search(r"<link|<script [^>]*src|@import|url\((?!#)", page)
    assert {name for _, name in boxes(page)} == {n.name for n in pipe.nodes} | pipe.datasets()
    assert 'class="v param" data-name="params:split"' in page
    assert "<h1>shop: __default__</h1>" in page and "6 nodes, 9 datasets" in page


def test_hovering_a_node_shows_its_function_inputs_outputs_and_tags():
    page = render(shop_pipeline(), "html")
    tip = html.unescape(re.search(r'data-name="prepare".*?<title>([^<]*)</title>', page).group(1))
    assert tip == ("prepare\nfunction: identity\ninputs: raw data.v1, params:quote\"d\n"
                   "outputs: features\ntags: etl, prep")
    assert 'data-name="prepare" data-in="" data-tags="etl prep"' in page  # what the search box reads


def test_layers_go_down_the_page_without_overlaps_and_frames_hold_only_their_namespace():
    pipe = regions_pipeline()
    page = render(pipe, "html")
    drawn, rectangles = boxes(page), frames(page)
    top = {name: box[1] for (kind, name), box in drawn.items() if kind != "node"}
    for each in pipe.nodes:  # every edge points down
        assert all(top[name] < drawn["node", each.name][1] < top[output]
                   for name in each.inputs for output in each.outputs)
    rows: dict[float, list] = {}
    for left, top, right in drawn.values():
        rows.setdefault(top, []).append((left, right))
    for row in rows.values():
        row.sort()
        assert all(a[1] < b[0] for a, b in zip(row, row[1:]))
    assert len(rectangles) == 7  # regions, and one per region
    for space, (left, top, right, bottom) in rectangles.items():
        for (_, name), (x0, y0, x1) in drawn.items():
            inside = left < x0 and x1 < right and top < y0 < bottom
            assert inside == name.replace("params:", "").startswith(space + "."), (space, name)


def record_for(pipe, seconds, statuses=None):
    return {"run_id": "2026-12-01T10.00.00.000Z", "status": "failed", "started": "2026-12-01T10:00:00+00:00",
            "nodes": [{"name": n.name, "status": (statuses or {}).get(n.name, "completed"),
                       "seconds": seconds.get(n.name), "error": None} for n in pipe.nodes]}


def test_a_run_colours_nodes_by_status_labels_their_times_and_marks_the_critical_path():
    pipe = shop_pipeline()
    seconds = {"prepare": 1.0, "regions.north.fit": 2.0, "regions.north.score": 0.5,
               "regions.south.fit": 2.5, "regions.south.score": 0.1}
    run = record_for(pipe, seconds, {"regions.south.score": "failed", "report": "not_run"})
    run["nodes"].append({"name": "gone_since", "status": "skipped"})  # not in the pipeline: ignored
    page = render(pipe, "html", run)
    classes = {html.unescape(n): c for c, n in re.findall(r'<g class="v ([^"]*)" data-name="([^"]*)"', page)}
    assert classes["prepare"] == classes["regions.south.fit"] == "node completed crit"
    assert classes["regions.north.fit"] == "node completed"
    assert classes["regions.south.score"] == "node failed crit"  # 1 + 2.5 + 0.1 beats 1 + 2 + 0.5
    assert classes["report"] == "node not_run"
    assert classes["features"] == classes["regions.south.model"] == "data crit"
    assert len(re.findall(r'<path class="e crit"', page)) == 4
    assert '>fit<tspan class="t"> 2.5 s</tspan>' in page
    assert "status: failed" in page and "2026-12-01T10.00.00.000Z · failed" in page
    mermaid, dot = render(pipe, "mermaid", run), render(pipe, "dot", run)
    assert re.search(r"class v\d+ failed", mermaid) and re.search(r"linkStyle (\d+,){3}\d+ ", mermaid)
    assert '["fit 2.5 s"]' in mermaid and dot.count("penwidth=2.5") == 5 + 4


def test_a_run_without_times_has_no_critical_path():
    pipe = shop_pipeline()
    page = render(pipe, "html", record_for(pipe, {}))
    assert not re.search(r'class="(v|e) [^"]*crit', page)


def test_ten_thousand_nodes_make_a_page():
    chains = [pipeline([node(identity, "in" if i == 0 else f"d{i - 1}", f"d{i}", name=f"n{i}")
                        for i in range(100)], namespace=f"part{k}", inputs={"in"}) for k in range(100)]
    pipe = pipeline([*chains, node(identity, [f"part{k}.d99" for k in range(100)], "all", name="end")])
    page = render(pipe, "html")
    assert page.count('<g class="v node"') == 100 * 100 + 1
    assert page.count('class="frame"') == 100


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format 'svg': valid formats are mermaid, dot and html"):
        render(shop_pipeline(), "svg")


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch):
    forget_package(PACKAGE)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return make_project(tmp_path / "proj", PACKAGE)


def viz(project, **given):
    options = {"pipeline": None, "format": None, "output": None, "run": None, "env": None, **given}
    return main(argparse.Namespace(project=str(project), **options))


def test_the_command_prints_mermaid_and_writes_files_in_the_format_their_suffix_says(project, capsys):
    assert viz(project) == 0
    assert capsys.readouterr().out.startswith("flowchart TD\n    subgraph s0[\"stats\"]")
    for name, start in (("p.html", "<!DOCTYPE html>"), ("p.dot", "digraph"),
                        ("p.md", "```mermaid\nflowchart")):
        assert viz(project, output=str(project / name)) == 0
        assert (project / name).read_text(encoding="utf-8").startswith(start)
    assert "Wrote the html picture of pipeline '__default__' to" in capsys.readouterr().out
    viz(project, pipeline="failing", format="dot")
    assert "explode_node" in capsys.readouterr().out
    page = (project / "p.html").read_text(encoding="utf-8")
    assert "numbers_raw\nJSONDataset" in html.unescape(page)  # the type, from the catalog


def test_the_command_colours_the_last_recorded_run_and_names_a_corrupt_record(project, capsys, caplog):
    folder = project / ".minikedro" / "runs"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text("{not json")
    record = {"run_id": "r1", "command": ["minikedro", "run"], "started": "2026-12-01T10:00:00+00:00",
              "finished": "2026-12-01T10:00:03+00:00", "status": "completed",
              "pipeline_names": ["__default__"], "runner": "SequentialRunner",
              "nodes": [{"name": "double_node", "status": "completed", "seconds": 3.0}]}
    (folder / "r1.json").write_text(json.dumps(record))
    viz(project, run="last", format="html")
    assert 'class="v node completed crit" data-name="double_node"' in capsys.readouterr().out
    assert "broken.json" in caplog.text
    with pytest.raises(ValueError, match="no run 'nope' recorded"):
        viz(project, run="nope")


def test_the_command_names_the_registered_pipelines_and_the_closest_when_one_is_missing(project):
    with pytest.raises(ValueError, match="Failed to find the pipeline named 'numbrs'; registered pipelines: "
                                         "__default__, failing, numbers. Did you mean: 'numbers'"):
        viz(project, pipeline="numbrs")


def test_minikedro_viz_on_the_command_line(project, tmp_path):
    result = subprocess.run([sys.executable, "-m", "minikedro", "viz", "--project", str(project), "-p", "numbers",
                             "--output", str(tmp_path / "numbers.html")],
                            capture_output=True, text=True, env=subprocess_env(), timeout=120)
    if "invalid choice: 'viz'" in result.stderr:
        pytest.skip("minikedro/cli.py does not register the viz command yet")
    assert result.returncode == 0, result.stderr
    assert 'data-name="stats.square"' in (tmp_path / "numbers.html").read_text(encoding="utf-8")
