"""The ``minikedro viz`` page in a real browser: headless Chromium (Debian's ``chromium``).

Chromium loads the page from disk, then a probe appended to a copy of it
checks that every node and dataset is drawn inside the picture, types in the
search box and folds a namespace; ``--dump-dom`` returns what the probe found
and Chromium's log any console message. A screenshot is saved under the test's
tmp folder, and also to ``$MINIKEDRO_SCREENSHOT`` when that is set.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess

import pytest

from minikedro.observe.viz import render
from tests.test_viz import regions_pipeline, shop_pipeline

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get "
                                                         "install chromium; .ci/run installs it)")

PROBE = """<script>
window.onerror = function (message) { document.body.dataset.error = message; };
window.addEventListener("load", function () {
  var svg = document.getElementById("graph"), box = svg.getBoundingClientRect();
  var found = {drawn: [], outside: []};
  function count(selector, test) { return [].filter.call(svg.querySelectorAll(selector), test).length; }
  svg.querySelectorAll("g.v").forEach(function (g) {
    var r = g.getBoundingClientRect();
    (r.width > 0 && r.left >= box.left && r.right <= box.right && r.bottom <= box.bottom ?
     found.drawn : found.outside).push(g.dataset.name);
  });
  var find = document.getElementById("find");
  find.value = "FIT";
  find.dispatchEvent(new Event("input"));
  found.hits = svg.querySelectorAll("g.v.hit").length;
  found.counter = document.getElementById("found").textContent;
  var frame = svg.querySelector('g.frame[data-ns="regions.r0"]'), label = frame.querySelector("text");
  label.dispatchEvent(new MouseEvent("click", {bubbles: true}));
  found.folded = label.textContent;
  found.hidden = count("g.v", function (g) { return g.style.display === "none"; });
  found.broken = count("path.e", function (e) { return /NaN/.test(e.getAttribute("d")); });
  label.dispatchEvent(new MouseEvent("click", {bubbles: true}));
  found.unfolded = count("g.v", function (g) { return g.style.display === "none"; });
  var out = document.createElement("pre"); out.id = "probe"; out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
});
</script></body>"""


def chromium(tmp_path, page, *flags):
    result = subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
                             *flags, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_the_page_draws_every_node_searches_and_folds_in_chromium_without_an_error(tmp_path):
    pipe = regions_pipeline()
    page = tmp_path / "probed.html"
    page.write_text(render(pipe, "html").replace("</body>", PROBE), encoding="utf-8")
    result = chromium(tmp_path, page, "--dump-dom", "--virtual-time-budget=10000")
    assert [line for line in result.stderr.splitlines() if ":CONSOLE" in line] == []
    assert "data-error" not in result.stdout
    found = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', result.stdout).group(1)))
    assert found["outside"] == []
    assert sorted(found["drawn"]) == sorted([n.name for n in pipe.nodes] + list(pipe.datasets()))
    fits = [n for n in pipe.nodes if "fit" in n.name]  # by name, case aside: fit, profile_features
    assert found["hits"] == len(fits) and found["counter"] == f"{len(fits)} found"
    inside = [n for n in [n.name for n in pipe.nodes] + list(pipe.datasets())
              if n.replace("params:", "").startswith("regions.r0.")]
    assert found["folded"] == "\u25b8 r0 \u00b7 12 nodes" and found["hidden"] == len(inside) == 12 + 15
    assert found["broken"] == 0 and found["unfolded"] == 0


def test_a_screenshot_of_the_page(tmp_path):
    page = tmp_path / "shop.html"
    page.write_text(render(shop_pipeline(), "html", title="shop: __default__"), encoding="utf-8")
    shot = tmp_path / "shop.png"
    result = chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=900,800")
    assert [line for line in result.stderr.splitlines() if ":CONSOLE" in line] == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("MINIKEDRO_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["MINIKEDRO_SCREENSHOT"])
