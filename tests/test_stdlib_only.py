"""The zero-dependency promise: importing all of minikedro loads only the standard library."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs in a fresh interpreter so nothing pytest imported can hide a slip.
PROBE = r"""
import importlib, json, os, pkgutil, sys, sysconfig
# What the interpreter loaded before us (site's .pth hooks, for example) is not ours.
before = set(sys.modules)
import minikedro

for info in pkgutil.walk_packages(minikedro.__path__, "minikedro."):
    if info.name != "minikedro.__main__":  # running it would start the CLI
        importlib.import_module(info.name)

def is_stdlib(name):
    top = name.split(".")[0]
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:  # Python 3.10+
        return top in names
    module = sys.modules[top] if top in sys.modules else None
    path = getattr(module, "__file__", None)
    if path is None:  # built into the interpreter
        return True
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    path = os.path.realpath(path)
    return path.startswith(stdlib + os.sep) and "site-packages" not in path

loaded = sorted(set(sys.modules) - before - {"__mp_main__"})
print(json.dumps({
    "modules": [n for n in loaded if n.startswith("minikedro")],
    "foreign": sorted({n.split(".")[0] for n in loaded
                       if not n.startswith("minikedro") and not is_stdlib(n)}),
}))
"""


def _probe() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_module_imports_only_the_standard_library():
    report = _probe()
    assert report["foreign"] == [], f"non-stdlib modules loaded: {report['foreign']}"
    # The optional extras in particular load only when a user opts in.
    assert not {"yaml", "tomli", "dask", "distributed"} & set(report["foreign"])


def test_the_probe_really_imported_the_whole_package():
    modules = set(_probe()["modules"])
    for expected in ("minikedro.pipeline", "minikedro.io", "minikedro.runner", "minikedro.cli"):
        assert expected in modules
