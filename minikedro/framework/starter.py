"""Write project files: ``minikedro new`` and ``minikedro pipeline create/delete``.

Public names: ``create_project``, ``package_name_for``, ``create_pipeline``,
``delete_pipeline``, ``pipeline_files``.

The project reads a CSV of temperature readings, drops implausible ones
(a parameter), and writes a per-city summary as JSON::

    my-project/
      pyproject.toml                    [tool.minikedro] package_name = "my_project"
      conf/base/catalog.toml            measurements (CSV in), summary (JSON out)
      conf/base/parameters.toml
      conf/local/credentials.toml       local, never committed
      data/01_raw/measurements.csv
      src/my_project/{__init__,settings,pipeline_registry}.py
      src/my_project/pipelines/data_processing/{__init__,pipeline,nodes}.py

With ``example=False`` (``--example=n``) the data, the catalog entries and the
``data_processing`` pipeline are left out, as in Kedro. ``create_pipeline``
adds ``src/<package>/pipelines/<name>/`` (an empty ``Pipeline`` to fill in)
and ``conf/base/parameters_<name>.toml`` (``.yml`` when the project's
configuration is YAML), which ``find_pipelines()`` and the config loader pick
up with no registration; ``delete_pipeline`` removes them again.
"""
from __future__ import annotations

import importlib.util
import keyword
import re
import sys
from pathlib import Path
from string import Template
from typing import Any

__all__ = [
    "create_pipeline",
    "create_project",
    "delete_pipeline",
    "package_name_for",
    "pipeline_files",
]

EXAMPLE_ONLY = ("data/01_raw/measurements.csv", "src/$package/pipelines/data_processing/")
NO_EXAMPLE = {
    "conf/base/catalog.toml": "# Datasets: [name] tables with a type and a filepath.\n",
    "conf/base/parameters.toml": '# Parameters, read by nodes as "params:<key>".\n',
}

FILES = {
    "pyproject.toml": '''\
[project]
name = "$folder"
version = "0.1.0"
requires-python = ">=3.9"

# minikedro finds the project through this table.
[tool.minikedro]
package_name = "$package"
project_name = "$name"
source_dir = "src"
''',
    "README.md": '''\
# $name

A minikedro project. From this folder:

    minikedro run                                  # or: python -m minikedro run
    minikedro run --params "processing.min_reading=0"
    minikedro registry describe data_processing

Configuration lives in `conf/base` (shared) and `conf/local` (yours, not committed).
''',
    ".gitignore": '''\
__pycache__/
conf/local/**
!conf/local/.gitkeep
data/0[2-9]_*/
.minikedro/
''',
    "conf/base/catalog.toml": '''\
# Each table is a dataset the pipelines read or write. A dataset a node uses
# but this file does not name is kept in memory for the run.

[measurements]
type = "CSVDataset"
filepath = "data/01_raw/measurements.csv"

[summary]
type = "JSONDataset"
filepath = "data/08_reporting/summary.json"
''',
    "conf/base/parameters.toml": '''\
# Nodes read these as "params:processing" (or "params:processing.min_reading").
[processing]
min_reading = -60.0
max_reading = 60.0
''',
    "conf/local/.gitkeep": "",
    "conf/local/credentials.toml": '''\
# Secrets for this machine only (conf/local is not committed). For example:
# [db_credentials]
# con = "sqlite:///data/local.db"
''',
    "data/01_raw/measurements.csv": '''\
city,reading
Lisbon,17.5
Lisbon,19.0
Oslo,-3.5
Oslo,-120.0
Oslo,1.5
Nairobi,22.0
Nairobi,not measured
Nairobi,24.5
''',
    "src/$package/__init__.py": '''\
"""$name: a minikedro project."""

__version__ = "0.1.0"
''',
    "src/$package/settings.py": '''\
"""Project settings. Every name is optional; the values below are the defaults."""

# Instantiated project hooks, e.g. HOOKS = (ProjectHooks(),) from $package.hooks.
HOOKS = ()

# Directory that holds configuration.
# CONF_SOURCE = "conf"

# Class that manages how configuration is loaded, and its keyword arguments.
# from minikedro.config import OmegaConfigLoader
# CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # "config_patterns": {"spark": ["spark*", "spark*/**"]},
    # "merge_strategy": {"parameters": "soft"},
    # "custom_resolvers": {"add": lambda *numbers: sum(numbers)},
}

# Class that manages the Data Catalog.
# from minikedro.io import DataCatalog
# DATA_CATALOG_CLASS = DataCatalog
''',
    "src/$package/pipeline_registry.py": '''\
"""The project's pipelines, by name."""
from __future__ import annotations

from minikedro.framework.project import find_pipelines
from minikedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines()
    pipelines["__default__"] = sum(pipelines.values())
    return pipelines
''',
    "src/$package/pipelines/__init__.py": '"""One folder per pipeline; find_pipelines() discovers them."""\n',
    "src/$package/pipelines/data_processing/__init__.py": '''\
"""Clean the raw readings and summarise them per city."""
from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
''',
    "src/$package/pipelines/data_processing/pipeline.py": '''\
"""How the data_processing nodes connect."""
from minikedro.pipeline import Pipeline, node, pipeline

from .nodes import clean_readings, summarise


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                clean_readings,
                inputs=["measurements", "params:processing"],
                outputs="clean_readings",
                name="clean_readings_node",
            ),
            node(summarise, inputs="clean_readings", outputs="summary", name="summarise_node"),
        ]
    )
''',
    "src/$package/pipelines/data_processing/nodes.py": '''\
"""Pure functions: data in, data out. The catalog does all reading and writing."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def clean_readings(rows: list[dict], limits: dict) -> list[dict]:
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


def summarise(rows: list[dict]) -> dict:
    """Count and mean reading per city."""
    by_city: dict[str, list[float]] = {}
    for row in rows:
        by_city.setdefault(row["city"], []).append(row["reading"])
    return {
        city: {"count": len(values), "mean": round(sum(values) / len(values), 2)}
        for city, values in sorted(by_city.items())
    }
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

    The name holds letters, digits, spaces, ``-`` and ``_`` only (never a
    path), and gives a package name that starts with a letter, is not a
    Python keyword, and is not a module Python already has (``json``, ``os``,
    an installed package): the project's imports would get the wrong one.

    Raises:
        ValueError: The name breaks one of those rules; the message says which.
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
    """Write a new project into ``directory/<name>``.

    Args:
        name: The project's name; the folder is its lower case with ``-`` for spaces.
        directory: The parent folder.
        example: Include the example data, catalog entries and pipeline.

    Returns:
        The new project's folder.

    Raises:
        ValueError: A bad name, or the folder exists and is not empty.
    """
    package = package_name_for(name)
    folder = Path(directory) / re.sub(r"\s+", "-", name.strip().lower())
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(
            f"{folder} already exists and is not empty; choose another name or --directory"
        )
    values = {"name": name.strip(), "package": package, "folder": folder.name}
    for relative, text in FILES.items():
        if not example:
            if relative.startswith(EXAMPLE_ONLY):
                continue
            text = NO_EXAMPLE.get(relative, text)
        path = folder / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).safe_substitute(values), encoding="utf-8")
    return folder.resolve()


PIPELINE_FILES = {
    "__init__.py": '''\
"""The '$name' pipeline (created by 'minikedro pipeline create $name')."""
from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
''',
    "nodes.py": '''\
"""The '$name' pipeline's node functions: plain functions, data in, data out."""
''',
    "pipeline.py": '''\
"""How the '$name' nodes connect: add Node(func, inputs, outputs, name=...) below."""
from minikedro.pipeline import Node, Pipeline  # noqa: F401


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([])
''',
}
PARAMETERS_HEADER = "# Parameters of the '$name' pipeline; nodes read them as \"params:<key>\".\n"


def _pipeline_folder(metadata: Any, name: str) -> Path:
    # A letter first also refuses paths and the registry's own '__default__'.
    if not (_LETTER_FIRST.fullmatch(name) and name.isidentifier()) or keyword.iskeyword(name):
        raise ValueError(
            f"{name!r} is not a valid pipeline name: use letters, digits and underscores, "
            f"starting with a letter, and not a Python keyword (for example 'data_processing')"
        )
    return Path(metadata.source_dir) / metadata.package_name / "pipelines" / name


def _conf_folder(metadata: Any, env: str) -> Path:
    from minikedro.framework.project import settings

    return Path(metadata.project_path) / settings.CONF_SOURCE / env


def pipeline_files(metadata: Any, name: str, env: str = "base") -> list[Path]:
    """The existing files and folder of pipeline ``name``: its package and parameters files.

    Raises:
        ValueError: A bad name, or no such pipeline.
    """
    folder = _pipeline_folder(metadata, name)
    conf = _conf_folder(metadata, env)
    found = [folder] if folder.is_dir() else []
    found += sorted(conf.glob(f"parameters_{name}.*")) if conf.is_dir() else []
    if not found:
        raise ValueError(f"pipeline {name!r} not found: {folder} does not exist")
    return found


def create_pipeline(metadata: Any, name: str, env: str = "base", skip_config: bool = False) -> list[Path]:
    """Write the files of a new, empty pipeline ``name`` (``kedro pipeline create``).

    Args:
        metadata: The project's ``ProjectMetadata``.
        name: The pipeline's name, a Python identifier.
        env: The configuration environment its parameters file goes to.
        skip_config: Write no parameters file.

    Returns:
        The files written.

    Raises:
        ValueError: A bad name, or a pipeline of that name exists.
    """
    folder = _pipeline_folder(metadata, name)
    if folder.exists():
        raise ValueError(f"pipeline {name!r} already exists: {folder}")
    written = []
    for filename, text in PIPELINE_FILES.items():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_text(Template(text).substitute(name=name), encoding="utf-8")
        written.append(folder / filename)
    if not skip_config:
        conf = _conf_folder(metadata, env)
        yaml_project = any(conf.parent.glob("*/*.y*ml"))
        path = conf / f"parameters_{name}.{'yml' if yaml_project else 'toml'}"
        if not path.exists():
            conf.mkdir(parents=True, exist_ok=True)
            path.write_text(Template(PARAMETERS_HEADER).substitute(name=name), encoding="utf-8")
            written.append(path)
    return written


def delete_pipeline(metadata: Any, name: str, env: str = "base") -> list[Path]:
    """Delete what ``create_pipeline`` wrote (and anything added to the pipeline's folder).

    Returns:
        The files and folders deleted.
    """
    import shutil

    paths = pipeline_files(metadata, name, env)
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return paths
