"""Write project files: ``minikedro new`` and ``minikedro pipeline create`` (Kedro's project template).

Public names: ``create_project``, ``package_name_for``, ``create_pipeline``, ``pipeline_files``.

The example project (``FILES``) cleans a CSV of temperature readings and writes a per-city
summary as JSON; ``example=False`` leaves out its data, catalog entries and pipeline.
"""
from __future__ import annotations

import importlib.util
import json
import keyword
import re
import sys
from pathlib import Path
from string import Template
from typing import Any

from minikedro.framework.config_files import toml_library

__all__ = ["create_pipeline", "create_project", "package_name_for", "pipeline_files"]

EXAMPLE_ONLY = ("data/", "src/$package/pipelines/data_processing/")
# conf/base/<name>: what it holds in the example, and the comment that opens its TOML form.
EXAMPLE_CONF = {
    "catalog": ({
        "measurements": {"type": "CSVDataset", "filepath": "data/01_raw/measurements.csv"},
        "summary": {"type": "JSONDataset", "filepath": "data/08_reporting/summary.json"},
    }, "# Datasets the pipelines read or write: [name] tables with a type and a filepath.\n"
       "# A dataset a node uses but this file does not name is kept in memory for the run.\n"),
    "parameters": ({"processing": {"min_reading": -60.0, "max_reading": 60.0}},
                   '# Parameters, read by nodes as "params:<key>" (or "params:<key>.<subkey>").\n'),
}
FILES = {
    "pyproject.toml": '''\
[project]
name = "$folder"
version = "0.1.0"
requires-python = ">=3.9"

# minikedro finds the project through this table (or, on a Python that
# cannot read TOML, through src/$package/pipeline_registry.py).
[tool.minikedro]
package_name = "$package"
project_name = "$name"
''',
    "README.md": '''\
# $name

A minikedro project: `minikedro run` in this folder, or `python -m minikedro
run --project <this folder>` where minikedro is importable. Configuration lives
in `conf/base` (shared) and `conf/local` (yours, not committed).
''',
    ".gitignore": "__pycache__/\nconf/local/**\n!conf/local/.gitkeep\ndata/0[2-9]_*/\n.minikedro/\n",
    "conf/local/.gitkeep": "",
    "data/01_raw/measurements.csv": '''\
city,reading
Lisbon,17.5
Oslo,-3.5
Oslo,-120.0
Oslo,1.5
Nairobi,22.0
Nairobi,not measured
''',
    "src/$package/__init__.py": '"""$name: a minikedro project."""\n\n__version__ = "0.1.0"\n',
    "src/$package/settings.py": '''\
"""Project settings, all optional: HOOKS, CONF_SOURCE, CONFIG_LOADER_ARGS, DATA_CATALOG_CLASS."""

HOOKS = ()  # hook instances, e.g. (ProjectHooks(),) from $package.hooks
''',
    "src/$package/pipeline_registry.py": '''\
"""The project's pipelines, by name."""
from minikedro.framework.project import find_pipelines


def register_pipelines():
    """Every folder of pipelines/, and "__default__": all of them together."""
    pipelines = find_pipelines()
    pipelines["__default__"] = sum(pipelines.values())
    return pipelines
''',
    "src/$package/pipelines/__init__.py": '"""One folder per pipeline; find_pipelines() discovers them."""\n',
    "src/$package/pipelines/data_processing/__init__.py":
        '"""Clean the raw readings and summarise them per city."""\nfrom .pipeline import create_pipeline  # noqa: F401\n',
    "src/$package/pipelines/data_processing/pipeline.py": '''\
"""How the data_processing nodes connect."""
from minikedro.pipeline import Pipeline, node

from .nodes import clean_readings, summarise


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        node(clean_readings, ["measurements", "params:processing"], "clean_readings",
             name="clean_readings_node"),
        node(summarise, "clean_readings", "summary", name="summarise_node"),
    ])
''',
    "src/$package/pipelines/data_processing/nodes.py": '''\
"""Pure functions: data in, data out. The catalog does all reading and writing."""
import logging

logger = logging.getLogger(__name__)


def clean_readings(rows, limits):
    """Keep rows whose reading is a number within the configured limits."""
    clean = []
    for row in rows:
        try:
            reading = float(row["reading"])
        except ValueError:
            continue
        if limits["min_reading"] <= reading <= limits["max_reading"]:
            clean.append({"city": row["city"], "reading": reading})
    logger.info("Kept %d of %d readings", len(clean), len(rows))
    return clean


def summarise(rows):
    """Count and mean reading per city."""
    by_city = {}
    for row in rows:
        by_city.setdefault(row["city"], []).append(row["reading"])
    return {city: {"count": len(values), "mean": round(sum(values) / len(values), 2)}
            for city, values in sorted(by_city.items())}
''',
}
PIPELINE_FILES = {
    "__init__.py": '"""The \'$name\' pipeline."""\nfrom .pipeline import create_pipeline  # noqa: F401\n',
    "nodes.py": '"""The \'$name\' pipeline\'s node functions: plain functions, data in, data out."""\n',
    "pipeline.py": '''\
"""How the '$name' nodes connect: add node(func, inputs, outputs, name=...) below."""
from minikedro.pipeline import Pipeline, node  # noqa: F401


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([])
''',
}
_LETTER_FIRST = re.compile(r"[^\W\d_]\w*")  # a letter, then letters, digits, underscores


def _shadows(package: str) -> bool:
    """Whether ``import package`` already means something here (stdlib, installed, in sys.path)."""
    if package in getattr(sys, "stdlib_module_names", ()):  # Python 3.10+
        return True
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin is not None  # an empty folder is no module


def package_name_for(name: str) -> str:
    """The Python package name for a project name: ``"My Project"`` -> ``"my_project"``.

    Raises:
        ValueError: The name holds more than letters, digits, spaces, ``-``
            and ``_`` (a path, say), or its package would not start with a
            letter, would be a keyword, or would shadow a module Python has.
    """
    package = re.sub(r"[\s-]+", "_", name.strip().lower())
    if not (_LETTER_FIRST.fullmatch(package) and package.isidentifier()):
        problem = "use letters, digits, spaces, '-' and '_' only, starting with a letter; not a path"
    elif keyword.iskeyword(package):
        problem = f"its package name {package!r} is a Python keyword; choose another name"
    elif _shadows(package):
        problem = (f"its package name {package!r} is already a Python module, which the "
                   f"project would shadow; choose another name")
    else:
        return package
    raise ValueError(f"cannot create a project named {name!r}: {problem} (for example 'iris-demo')")


def create_project(name: str, directory: str | Path = ".", example: bool = True) -> Path:
    """Write a new project into ``directory/<name>`` and return its folder.

    Args:
        name: The project's name; the folder is its lower case with ``-`` for spaces.
        directory: The parent folder.
        example: Include the example data, catalog entries and pipeline.

    Raises:
        ValueError: A bad name, or the folder exists and is not empty.
    """
    package = package_name_for(name)
    folder = Path(directory) / re.sub(r"\s+", "-", name.strip().lower())
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(f"{folder} already exists and is not empty; choose another name or --directory")
    files = {relative: text for relative, text in FILES.items()
             if example or not relative.startswith(EXAMPLE_ONLY)}
    for key, (tables, comment) in EXAMPLE_CONF.items():
        tables = tables if example else {}
        if toml_library() is None:
            files[f"conf/base/{key}.json"] = json.dumps(tables, indent=2) + "\n"
        else:  # TOML's strings and numbers are written as JSON's
            files[f"conf/base/{key}.toml"] = comment + "".join(
                f"\n[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in table.items())
                for name, table in tables.items())
    values = {"name": name.strip(), "package": package, "folder": folder.name}
    for relative, text in files.items():
        path = folder / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).safe_substitute(values), encoding="utf-8")
    return folder.resolve()


def _pipeline_paths(metadata: Any, name: str, env: str) -> tuple[Path, Path]:
    """Pipeline ``name``'s package folder and the configuration folder of ``env``."""
    from minikedro.framework.project import settings

    # A letter first also refuses paths and the registry's own '__default__'.
    if not (_LETTER_FIRST.fullmatch(name) and name.isidentifier()) or keyword.iskeyword(name):
        raise ValueError(f"{name!r} is not a valid pipeline name: use letters, digits and underscores, "
                         f"starting with a letter, and not a Python keyword (for example 'data_processing')")
    return (Path(metadata.source_dir) / metadata.package_name / "pipelines" / name,
            Path(metadata.project_path) / settings.CONF_SOURCE / env)


def pipeline_files(metadata: Any, name: str, env: str = "base") -> list[Path]:
    """The existing files and folder of pipeline ``name``: its package and parameters files.

    Raises:
        ValueError: A bad name, or no such pipeline.
    """
    folder, conf = _pipeline_paths(metadata, name, env)
    found = [folder] if folder.is_dir() else []
    found += sorted(conf.glob(f"parameters_{name}.*")) if conf.is_dir() else []
    if not found:
        raise ValueError(f"pipeline {name!r} not found: {folder} does not exist")
    return found


def create_pipeline(metadata: Any, name: str, env: str = "base", skip_config: bool = False) -> list[Path]:
    """Write the files of a new, empty pipeline ``name`` (``kedro pipeline create``) and return them.

    Its parameters file, ``conf/<env>/parameters_<name>``, takes the format of
    the project's configuration: YAML, TOML (where it can be read) or JSON.

    Raises:
        ValueError: A bad name, or a pipeline of that name exists.
    """
    folder, conf = _pipeline_paths(metadata, name, env)
    if folder.exists():
        raise ValueError(f"pipeline {name!r} already exists: {folder}")
    folder.mkdir(parents=True)
    written = []
    for filename, text in PIPELINE_FILES.items():
        (folder / filename).write_text(Template(text).substitute(name=name), encoding="utf-8")
        written.append(folder / filename)
    suffixes = {path.suffix for path in conf.parent.glob("*/*.*")}
    toml = toml_library() is not None and (".toml" in suffixes or ".json" not in suffixes)
    suffix = ".yml" if suffixes & {".yml", ".yaml"} else ".toml" if toml else ".json"
    path = conf / f"parameters_{name}{suffix}"
    if not skip_config and not path.exists():
        conf.mkdir(parents=True, exist_ok=True)
        header = f"# Parameters of the '{name}' pipeline; nodes read them as \"params:<key>\".\n"
        path.write_text("{}\n" if suffix == ".json" else header, encoding="utf-8")
        written.append(path)
    return written

