"""Build small but real minikedro projects on disk, for the framework and CLI tests.

``make_project(root, package)`` writes the "demo" project below; ``files``
adds or replaces files (path -> text; ``None`` deletes). Each test module uses
its own package name, because one Python process imports each package once.

The demo project:

- pipeline ``numbers`` (also ``__default__``): ``double_node`` (tag math) and
  ``total_node`` (tags math, report) -> ``total`` (JSON), ``describe_node``
  (tag report) -> ``description`` (text), and ``stats.square`` in namespace
  ``stats``.
- pipeline ``failing``: ``prepare_node`` -> ``prepared`` (JSON), then
  ``explode_node`` divides by zero.
- hooks in ``settings.py`` append one line per call to ``data/hooks.log``.
- ``runner.py``: ``LoudRunner`` (logs, takes ``volume=``), ``MyParallelRunner``.
"""
from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEMO_FILES = {
    "pyproject.toml": """
        [project]
        name = "{package}"

        [tool.minikedro]
        package_name = "{package}"
    """,
    "conf/base/catalog.toml": """
        [numbers_raw]
        type = "JSONDataset"
        filepath = "data/01_raw/numbers.json"

        [total]
        type = "JSONDataset"
        filepath = "data/08_reporting/total.json"

        [description]
        type = "TextDataset"
        filepath = "data/08_reporting/description.txt"

        [prepared]
        type = "JSONDataset"
        filepath = "data/02_intermediate/prepared.json"
    """,
    "conf/base/parameters.toml": """
        offset = 10

        [model]
        depth = 3
        name = "base"
    """,
    "conf/local/.gitkeep": "",
    "conf/prod/parameters.toml": """
        offset = 100
    """,
    "data/01_raw/numbers.json": "[1, 2, 3, 4]",
    "src/{package}/__init__.py": "",
    "src/{package}/settings.py": """
        from {package}.hooks import RecordingHooks

        HOOKS = (RecordingHooks(),)
    """,
    "src/{package}/hooks.py": """
        from pathlib import Path

        from minikedro.framework.hooks import hook_impl

        LOG = Path(__file__).resolve().parents[2] / "data" / "hooks.log"


        def record(*words):
            with open(LOG, "a") as file:
                file.write(" ".join(str(w) for w in words) + "\\n")


        class RecordingHooks:
            @hook_impl
            def after_catalog_created(self, catalog, parameters):
                record("after_catalog_created", type(catalog).__name__, parameters["offset"])

            @hook_impl
            def before_pipeline_run(self, run_params, pipeline):
                record("before_pipeline_run", run_params["env"], len(pipeline.nodes))

            @hook_impl
            def after_node_run(self, node):
                record("after_node_run", node.name)

            @hook_impl
            def on_pipeline_error(self, error):
                record("on_pipeline_error", type(error).__name__)

            @hook_impl
            def after_pipeline_run(self, run_params):
                record("after_pipeline_run", run_params["runner"])
    """,
    "src/{package}/pipeline_registry.py": """
        from minikedro.framework.project import find_pipelines


        def register_pipelines():
            pipelines = find_pipelines()
            pipelines["__default__"] = pipelines["numbers"]
            return pipelines
    """,
    "src/{package}/pipelines/__init__.py": "",
    "src/{package}/pipelines/numbers/__init__.py": """
        from minikedro.pipeline import node, pipeline


        def double(numbers):
            return [2 * n for n in numbers]


        def total(doubled, offset, model):
            return {{"total": sum(doubled) + offset, "depth": model["depth"], "name": model["name"]}}


        def describe(numbers):
            return f"{{len(numbers)}} numbers"


        def square(x):
            return [n * n for n in x]


        def create_pipeline():
            return pipeline([
                node(double, "numbers_raw", "doubled", name="double_node", tags="math"),
                node(total, ["doubled", "params:offset", "params:model"], "total",
                     name="total_node", tags=["math", "report"]),
                node(describe, "numbers_raw", "description", name="describe_node", tags="report"),
                pipeline([node(square, "x", "y", name="square")], namespace="stats",
                         inputs={{"x": "numbers_raw"}}),
            ])
    """,
    "src/{package}/pipelines/failing/pipeline.py": """
        from minikedro.pipeline import node, pipeline


        def prepare(numbers):
            return numbers


        def explode(prepared):
            return 1 / 0


        def create_pipeline():
            return pipeline([
                node(prepare, "numbers_raw", "prepared", name="prepare_node"),
                node(explode, "prepared", "exploded", name="explode_node"),
            ])
    """,
    "src/{package}/runner.py": """
        from minikedro.runner import ParallelRunner, SequentialRunner


        class LoudRunner(SequentialRunner):
            def __init__(self, is_async=False, volume=1):
                super().__init__(is_async=is_async)
                self.volume = volume

            def _run(self, pipeline, catalog, hook_manager=None, run_id=None):
                self._logger.info("LoudRunner at volume %r", self.volume)
                super()._run(pipeline, catalog, hook_manager, run_id)


        class MyParallelRunner(ParallelRunner):
            pass
    """,
}


def write_files(root: Path, files: dict, **values: str) -> None:
    """Write ``{relative path: text}`` under ``root`` (``None`` deletes the file)."""
    for relative, text in files.items():
        path = root / relative.format(**values)
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n").format(**values), encoding="utf-8")


def make_project(root: Path, package: str, files: dict | None = None) -> Path:
    """Write the demo project (plus ``files``) into ``root`` and return it."""
    write_files(root, DEMO_FILES, package=package)
    for relative, text in (files or {}).items():  # given verbatim: no {package} formatting
        path = root / relative
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def subprocess_env() -> dict:
    """The environment for ``python -m minikedro`` children: this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    for variable in ("KEDRO_ENV", "MINIKEDRO_ENV", "KEDRO_LOGGING_CONFIG", "MINIKEDRO_LOGGING_CONFIG"):
        env.pop(variable, None)
    return env


def forget_package(package: str) -> None:
    """Drop an imported project package, so the next test imports it afresh."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
