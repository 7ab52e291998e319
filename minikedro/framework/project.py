"""A project: where it is, its settings and its pipelines (Kedro's ``framework.startup`` and ``.project``).

Public names: ``ProjectMetadata``, ``ProjectError``, ``find_project``, ``read_project_metadata``,
``bootstrap_project`` (also in ``minikedro.framework.startup``, Kedro's path); ``settings``,
``pipelines``, ``configure_project``, ``find_pipelines``, ``PipelineNotFoundError``, ``PACKAGE_NAME``.

A project is a folder whose ``pyproject.toml`` has a ``[tool.minikedro]`` (or ``[tool.kedro]``)
table, or, where TOML cannot be read, one ``src/<package>/pipeline_registry.py``. ``settings``
and ``pipelines`` load lazily: a run imports only the pipelines it runs where the registry allows.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from minikedro.framework.config_files import toml_library

__all__ = ["PACKAGE_NAME", "PipelineNotFoundError", "ProjectError", "ProjectMetadata",
           "bootstrap_project", "configure_project", "find_pipelines", "find_project",
           "pipelines", "read_project_metadata", "settings"]

PACKAGE_NAME: str | None = None
TABLE_HEADER = "[tool.minikedro]"
NO_TOML = ("this Python cannot read TOML, so pyproject.toml is not read and a project is a "
           "folder with a pyproject.toml and one src/<package>/pipeline_registry.py; to read "
           f"its {TABLE_HEADER} table, pip install tomli or use Python 3.11+")

_DEFAULTS: dict[str, Any] = {
    "CONF_SOURCE": "conf", "HOOKS": (), "EXECUTOR_FACTORIES": {},
    "CONFIG_LOADER_ARGS": {"base_env": "base", "default_run_env": "local"},
    "DISABLE_HOOKS_FOR_PLUGINS": (), "SESSION_STORE_CLASS": None, "SESSION_STORE_ARGS": {},
    "RUN_RECORDS_KEPT": 50,  # .minikedro/runs/<run_id>.json files kept (minikedro.observe)
    # Dotted paths, imported when asked for: reading CONF_SOURCE imports no catalog code.
    "CONFIG_LOADER_CLASS": "minikedro.framework.config:OmegaConfigLoader",
    "DATA_CATALOG_CLASS": "minikedro.io:DataCatalog",
    "CONTEXT_CLASS": "minikedro.framework.context:KedroContext",
}
# Why find_pipelines() last skipped each pipeline it could not build: {name: reason}.
_skipped: dict[str, str] = {}
# While a run loads the registry: the pipelines it runs. find_pipelines(raise_errors=True)
# then raises only for these, and skips any other broken pipeline with a warning.
_needed_by_run: set[str] | None = None


class ProjectError(ValueError):
    """No project where one was expected, or a project described wrongly."""


class PipelineNotFoundError(KeyError, ValueError):
    """A pipeline ``register_pipelines()`` does not return: Kedro's ``ValueError``, a ``KeyError`` too."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


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
        found = sorted(p.parent.name for p in (folder / "src").glob("*/pipeline_registry.py"))
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
    """The nearest project folder at or above ``start`` (default: here); ``ProjectError`` if none."""
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
        f"project, pass --project PATH, or create one with 'minikedro new NAME'")


def read_project_metadata(project_path: str | os.PathLike) -> ProjectMetadata:
    """``[tool.minikedro]`` of ``project_path``; ``ProjectError`` if it or ``package_name`` is missing."""
    project_path = Path(project_path).resolve()
    pyproject = project_path / "pyproject.toml"
    table = _project_table(project_path)
    if table is None:
        missing = NO_TOML if toml_library() is None else f"has no {TABLE_HEADER} table"
        raise ProjectError(f"{pyproject} does not exist or {missing}")
    package_name = table.get("package_name")
    if not package_name or not isinstance(package_name, str):
        raise ProjectError(f'{pyproject}: {TABLE_HEADER} needs package_name = "<your package>"')
    return ProjectMetadata(project_path, package_name, project_path / str(table.get("source_dir", "src")),
                           str(table.get("project_name", project_path.name)), pyproject)


def bootstrap_project(project_path: str | os.PathLike) -> ProjectMetadata:
    """Make a project's package importable and point ``settings`` and ``pipelines`` at it.

    ``source_dir`` goes first on ``sys.path`` and ``PYTHONPATH`` (for ``spawn``-ed workers).
    Raises ``ProjectError`` for wrong metadata or a missing package folder.
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
    # One process bootstrapping two projects whose packages share a name (tests do) must
    # not reuse the first one's modules.
    loaded = sys.modules.get(package)
    origin = getattr(loaded, "__file__", None) or next(iter(getattr(loaded, "__path__", [])), "")
    if loaded is not None and not os.path.realpath(origin).startswith(os.path.realpath(source) + os.sep):
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
    configure_project(package)
    return metadata


def _why(error: BaseException) -> str:
    """``Type: message``, with a hint for Kedro code that still imports ``kedro``."""
    hint = ""
    if (isinstance(error, ModuleNotFoundError)
            and (error.name or "").split(".")[0] in ("kedro", "kedro_datasets")):
        hint = (" (this project runs on minikedro: import from 'minikedro' where Kedro code "
                "imports from 'kedro', and from 'minikedro.datasets' for 'kedro_datasets')")
    return f"{type(error).__name__}: {error}{hint}"


def _import_project_module(module_name: str, what: str) -> Any:
    """Import one of the project's own modules, naming it (and its file) when that fails."""
    try:
        return importlib.import_module(module_name)
    except Exception as exc:
        try:
            where = f" ({importlib.util.find_spec(module_name).origin})"
        except Exception:  # never hide the import's own error behind this one
            where = ""
        raise ImportError(f"cannot import {what}, {module_name}{where}: {_why(exc)}") from exc


class _ProjectSettings:
    """Attribute access to ``settings.py``, falling back to ``_DEFAULTS``; ``*_CLASS`` settings may be
    dotted paths. ``DISABLE_HOOKS_FOR_PLUGINS`` and ``SESSION_STORE_*`` are accepted and ignored."""

    def __init__(self) -> None:
        self._module: Any = None

    def configure(self, settings_module: str | None = None) -> None:
        """Read settings from ``settings_module`` if it exists, else use defaults."""
        self._module = None
        if settings_module and importlib.util.find_spec(settings_module) is not None:
            self._module = _import_project_module(settings_module, "the project's settings")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not (name in _DEFAULTS or hasattr(self._module, name)):
            raise AttributeError(f"no setting named {name!r}")
        value = getattr(self._module, name, _DEFAULTS.get(name))
        if name == "CONFIG_LOADER_ARGS":
            return {**_DEFAULTS[name], **value}
        if name.endswith("_CLASS") and isinstance(value, str):
            return pkgutil.resolve_name(value)
        return dict(value) if isinstance(value, dict) else value

    def __repr__(self) -> str:
        return f"<settings from {getattr(self._module, '__name__', 'defaults')}>"


class _ProjectPipelines(Mapping):
    """The registered pipelines, loaded from ``register_pipelines()`` on first use."""

    def __init__(self) -> None:
        self._registry_module: str | None = None
        self._content: dict[str, Any] | None = None

    def configure(self, registry_module: str | None = None) -> None:
        """Point at ``registry_module``; the next access (re)loads the pipelines."""
        self._registry_module = registry_module
        self._content = None

    def _select(self, names: list[str]) -> dict[str, Any]:
        """The registered pipelines ``names``; ``PipelineNotFoundError`` for a missing one.

        A ``register_pipelines`` taking ``pipelines_to_find`` (Kedro 1.x) is asked for ``names``
        only; with any other, a broken pipeline not in ``names`` only warns, even with ``raise_errors``.
        """
        global _needed_by_run
        if self._content is None and "__default__" not in names:
            register = self._register_function()
            if register is not None and "pipelines_to_find" in inspect.signature(register).parameters:
                found = self._registered(register, pipelines_to_find=list(names))
                if all(name in found for name in names):
                    return {name: found[name] for name in names}
            _needed_by_run = set(names)
            try:
                self._load()
            finally:
                _needed_by_run = None
        content = self._load()
        missing = [name for name in names if name not in content]
        if missing:
            import difflib

            close = sorted({match for name in missing
                            for match in difflib.get_close_matches(name, sorted(content), n=3)})
            raise PipelineNotFoundError(
                f"Failed to find the pipeline named {', '.join(map(repr, missing))}; registered "
                f"pipelines: {', '.join(sorted(content)) or 'none'}."
                + (f" Did you mean: {', '.join(map(repr, close))}?" if close else "")
                + f" It needs to be returned by register_pipelines() in "
                f"{(self._registry_module or '').replace('.', '/')}.py"
                + "".join(f"; {_skipped[name]}" for name in missing if name in _skipped))
        return {name: content[name] for name in names}

    def _load(self) -> dict[str, Any]:
        if self._content is None:
            register = self._register_function()
            self._content = {} if register is None else self._registered(register)
        return self._content

    def _register_function(self) -> Any:
        """The registry's ``register_pipelines``; None when no project is configured."""
        module_name = self._registry_module
        if module_name is None:
            return None
        if importlib.util.find_spec(module_name) is None:
            raise LookupError(f"no pipeline registry: create {module_name.replace('.', '/')}.py with "
                              f"a register_pipelines() function returning {{name: Pipeline}}")
        register = getattr(_import_project_module(module_name, "the pipeline registry"),
                           "register_pipelines", None)
        if register is None:
            raise LookupError(f"{module_name} has no register_pipelines() function")
        return register

    def _registered(self, register: Any, **selection: Any) -> dict[str, Any]:
        """Call ``register_pipelines`` and check that it returned a mapping."""
        try:
            content = register(**selection)
        except Exception as exc:
            raise RuntimeError(f"register_pipelines() in {self._registry_module} failed: "
                               f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(content, Mapping):
            raise TypeError(f"register_pipelines() in {self._registry_module} must return a "
                            f"dict of {{name: Pipeline}}, got {type(content).__name__}")
        return dict(content)

    def __getitem__(self, name: str) -> Any:
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __repr__(self) -> str:
        if self._content is None:
            return f"<pipelines from {self._registry_module or 'nowhere'}, not loaded yet>"
        return f"<pipelines {sorted(self._content)}>"


settings = _ProjectSettings()
pipelines = _ProjectPipelines()


def configure_project(package_name: str) -> None:
    """Use ``<package_name>.settings`` and ``<package_name>.pipeline_registry``."""
    global PACKAGE_NAME
    settings.configure(f"{package_name}.settings")
    pipelines.configure(f"{package_name}.pipeline_registry")
    PACKAGE_NAME = package_name


def _create_pipeline(module_name: str) -> Any:
    """Call ``create_pipeline()`` of ``module_name`` or of its ``pipeline`` submodule."""
    from minikedro.pipeline import Pipeline

    create = getattr(importlib.import_module(module_name), "create_pipeline", None)
    if create is None and importlib.util.find_spec(f"{module_name}.pipeline") is not None:
        create = getattr(importlib.import_module(f"{module_name}.pipeline"), "create_pipeline", None)
    if create is None:
        raise AttributeError(f"{module_name} has no create_pipeline() (in __init__.py or pipeline.py)")
    result = create()
    if not isinstance(result, Pipeline):
        raise TypeError(f"create_pipeline() in {module_name} must return a Pipeline, "
                        f"got {type(result).__name__}")
    return result


def find_pipelines(raise_errors: bool = False,
                   pipelines_to_find: list[str] | None = None) -> dict[str, Any]:
    """``{name: Pipeline}`` for the project's pipelines, a fresh dict; Kedro's ``find_pipelines``.

    ``<package>/pipelines/<name>/`` is pipeline ``<name>`` when its ``__init__.py`` or
    ``pipeline.py`` defines ``create_pipeline()``; ``"__default__"`` is ``<package>/pipeline.py``'s.

    Args:
        raise_errors: Raise ``ImportError`` for a pipeline that fails to import or build,
            instead of warning (``UserWarning``) and skipping it.
        pipelines_to_find: Import only these (Kedro 1.x), so a big project starts faster.

    Raises:
        LookupError: No project is configured.
    """
    from minikedro.pipeline import Pipeline

    if PACKAGE_NAME is None:
        raise LookupError("find_pipelines() needs a configured project: call "
                          "bootstrap_project(path) or configure_project(package_name) first")
    if isinstance(pipelines_to_find, str):
        pipelines_to_find = [pipelines_to_find]
    wanted = None if pipelines_to_find is None else set(pipelines_to_find)
    found: dict[str, Any] = {"__default__": Pipeline([])}
    candidates = []
    if importlib.util.find_spec(f"{PACKAGE_NAME}.pipeline") is not None:
        candidates.append(("__default__", f"{PACKAGE_NAME}.pipeline"))
    package_spec = importlib.util.find_spec(f"{PACKAGE_NAME}.pipelines")
    for location in (package_spec.submodule_search_locations or []) if package_spec else []:
        candidates += [(folder.name, f"{PACKAGE_NAME}.pipelines.{folder.name}")
                       for folder in sorted(Path(location).iterdir())
                       if folder.is_dir() and folder.name != "__pycache__"
                       and not folder.name.startswith(".")]
    _skipped.clear()
    for name, module_name in candidates:
        if wanted is not None and name not in wanted:
            continue
        try:
            found[name] = _create_pipeline(module_name)
        except Exception as exc:
            message = f"pipeline {name!r} skipped: {module_name}: {_why(exc)}"
            if raise_errors and (_needed_by_run is None or name in _needed_by_run):
                raise ImportError(message) from exc
            warnings.warn(message, UserWarning, stacklevel=2)
            _skipped[name] = message
    return found if wanted is None else {name: found[name] for name in wanted if name in found}
