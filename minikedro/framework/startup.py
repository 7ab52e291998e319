"""Find a project on disk and make its package importable: Kedro's ``framework.startup``.

Public names: ``ProjectMetadata``, ``ProjectError``, ``find_project``,
``read_project_metadata``, ``bootstrap_project``.

A project is a folder whose ``pyproject.toml`` has a ``[tool.minikedro]``
table (a Kedro project's ``[tool.kedro]`` is read when there is none)::

    [tool.minikedro]
    package_name = "iris"      # required: the package under source_dir
    source_dir = "src"         # optional, default "src"
    project_name = "Iris"      # optional, default: the folder's name

A Python that cannot read TOML (3.9/3.10 without ``tomli``) does not read
``pyproject.toml`` at all. There the layout is the marker: a folder with a
``pyproject.toml`` and exactly one ``src/<package>/pipeline_registry.py`` (as
``minikedro new`` and Kedro's template write them) is a project, with the
defaults above. A project with another ``source_dir`` needs ``tomli`` there.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

from minikedro.framework.config_files import toml_library

__all__ = ["ProjectError", "ProjectMetadata", "bootstrap_project", "find_project",
           "read_project_metadata"]

TABLE_HEADER = "[tool.minikedro]"
NO_TOML = ("this Python cannot read TOML, so pyproject.toml is not read and a project is a "
           "folder with a pyproject.toml and one src/<package>/pipeline_registry.py; to read "
           f"its {TABLE_HEADER} table, pip install tomli or use Python 3.11+")


class ProjectError(ValueError):
    """No project where one was expected, or a project described wrongly."""


class ProjectMetadata(NamedTuple):
    """What ``[tool.minikedro]`` says about a project, with paths made absolute."""

    project_path: Path
    package_name: str
    source_dir: Path
    project_name: str
    config_file: Path


def _project_table(folder: Path) -> dict[str, Any] | None:
    """What marks ``folder`` as a project (see the module docstring), or None."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return None
    toml = toml_library()
    if toml is None:
        source = folder / "src"
        found = sorted(p.parent.name for p in source.glob("*/pipeline_registry.py"))
        return {"package_name": found[0]} if len(found) == 1 else None
    text = pyproject.read_text(encoding="utf-8")
    if "kedro" not in text:
        return None  # cheap test first: most pyproject.toml files up the tree are not ours
    try:
        tools = toml.loads(text).get("tool", {})
    except toml.TOMLDecodeError as exc:
        raise ProjectError(f"cannot parse {pyproject}: {exc}") from exc
    table = tools.get("minikedro", tools.get("kedro"))
    return table if isinstance(table, dict) else None


def find_project(start: str | os.PathLike | None = None) -> Path:
    """The nearest folder at or above ``start`` that is a project.

    Args:
        start: Where to look from; the current folder by default.

    Raises:
        ProjectError: No such folder up to the filesystem root.
    """
    start = Path(start if start is not None else os.getcwd()).resolve()
    if not start.exists():
        raise ProjectError(f"project folder {start} does not exist")
    for folder in (start, *start.parents):
        if _project_table(folder) is not None:
            return folder
    raise ProjectError(
        f"no minikedro project found in {start} or any folder above it: a project has a "
        f"pyproject.toml with a {TABLE_HEADER} (or Kedro's [tool.kedro]) table"
        f"{' (' + NO_TOML + ')' if toml_library() is None else ''}. Run from inside a "
        f"project, pass --project PATH, or create one with 'minikedro new NAME'"
    )


def read_project_metadata(project_path: str | os.PathLike) -> ProjectMetadata:
    """Read ``[tool.minikedro]`` from ``project_path/pyproject.toml``.

    Raises:
        ProjectError: The file or the table is missing, or ``package_name`` is.
    """
    project_path = Path(project_path).resolve()
    pyproject = project_path / "pyproject.toml"
    table = _project_table(project_path)
    if table is None:
        missing = NO_TOML if toml_library() is None else f"has no {TABLE_HEADER} table"
        raise ProjectError(f"{pyproject} does not exist or {missing}")
    package_name = table.get("package_name")
    if not package_name or not isinstance(package_name, str):
        raise ProjectError(f'{pyproject}: {TABLE_HEADER} needs package_name = "<your package>"')
    return ProjectMetadata(
        project_path=project_path,
        package_name=package_name,
        source_dir=project_path / str(table.get("source_dir", "src")),
        project_name=str(table.get("project_name", project_path.name)),
        config_file=pyproject,
    )


def _forget_other_copies(package_name: str, source_dir: Path) -> None:
    """Drop modules of ``package_name`` imported from somewhere else.

    Only matters when one process bootstraps two projects whose packages share
    a name (tests do); otherwise the first project's modules would be reused.
    """
    root = sys.modules.get(package_name)
    if root is None:
        return
    origin = getattr(root, "__file__", None) or next(iter(getattr(root, "__path__", [])), "")
    if os.path.realpath(origin).startswith(os.path.realpath(source_dir) + os.sep):
        return
    for name in [n for n in sys.modules if n == package_name or n.startswith(package_name + ".")]:
        del sys.modules[name]


def bootstrap_project(project_path: str | os.PathLike) -> ProjectMetadata:
    """Make a project's package importable and configure ``settings`` and ``pipelines``.

    Puts ``source_dir`` first on ``sys.path`` and on ``PYTHONPATH`` (so worker
    processes started with ``spawn`` import the project too), then calls
    ``configure_project(package_name)``.

    Raises:
        ProjectError: The metadata is wrong or the package folder is missing.
    """
    metadata = read_project_metadata(project_path)
    source, package = metadata.source_dir, metadata.package_name
    if not (source / package).is_dir() and not (source / f"{package}.py").is_file():
        raise ProjectError(f"package {package!r} not found in {source}: check package_name "
                           f"and source_dir in {metadata.config_file}")
    source_str = str(source)
    if source_str not in sys.path:
        sys.path.insert(0, source_str)
    python_path = os.environ.get("PYTHONPATH", "")
    if source_str not in python_path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (source_str, python_path) if p)
    _forget_other_copies(package, source)

    from minikedro.framework.project import configure_project

    configure_project(package)
    return metadata
