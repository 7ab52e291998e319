"""A configured project's settings and pipelines: Kedro's ``framework.project``.

Public names: ``settings``, ``pipelines``, ``find_pipelines``,
``configure_project``, ``PACKAGE_NAME``.

``configure_project(package_name)`` (called by ``bootstrap_project``) points
``settings`` at ``<package>.settings`` and ``pipelines`` at
``<package>.pipeline_registry``. Both are lazy: the registry is imported on
first use, so ``minikedro --help`` works in a project whose pipelines are
broken, and a run imports only what it runs where the registry allows it.

Settings (all optional; no ``settings.py`` means all defaults): ``HOOKS``
(hook instances), ``CONF_SOURCE`` (``"conf"``), ``CONFIG_LOADER_CLASS``,
``CONFIG_LOADER_ARGS`` (merged over ``{"base_env": "base",
"default_run_env": "local"}``), ``DATA_CATALOG_CLASS``, ``CONTEXT_CLASS`` (a
class, or its dotted path) and ``EXECUTOR_FACTORIES`` (``{name: callable}``
that a run file may name as ``ExecutorRunner``'s ``executor_factory``).
``DISABLE_HOOKS_FOR_PLUGINS`` and ``SESSION_STORE_*`` are accepted and
ignored: there are no plugins and no session store.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator

__all__ = ["PACKAGE_NAME", "configure_project", "find_pipelines", "pipelines", "settings"]

PACKAGE_NAME: str | None = None

# Why find_pipelines() last skipped each pipeline it could not build: {name: reason}.
_skipped: dict[str, str] = {}
# While a run loads the registry: the pipelines it runs. find_pipelines(raise_errors=True)
# then raises only for these, and skips any other broken pipeline with a warning.
_needed_by_run: set[str] | None = None

_DEFAULTS: dict[str, Any] = {
    "CONF_SOURCE": "conf",
    "HOOKS": (),
    "CONFIG_LOADER_ARGS": {"base_env": "base", "default_run_env": "local"},
    "DISABLE_HOOKS_FOR_PLUGINS": (),
    "SESSION_STORE_CLASS": None,
    "SESSION_STORE_ARGS": {},
    "EXECUTOR_FACTORIES": {},
    # Dotted paths, imported when asked for: reading CONF_SOURCE imports no catalog code.
    "CONFIG_LOADER_CLASS": "minikedro.framework.config:OmegaConfigLoader",
    "DATA_CATALOG_CLASS": "minikedro.io:DataCatalog",
    "CONTEXT_CLASS": "minikedro.framework.context:KedroContext",
}


class _ProjectSettings:
    """Attribute access to ``settings.py``, falling back to Kedro's defaults."""

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

    def _for_run(self, names: list[str]) -> dict[str, Any]:
        """The registered pipelines among ``names``, importing no more than the registry needs.

        A ``register_pipelines`` that takes ``pipelines_to_find`` (Kedro 1.x's
        template passes it on to ``find_pipelines``) is asked for ``names``
        only. Any other is called as usual, except that a pipeline the run does
        not need only warns when broken, even with ``raise_errors=True``.
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
        return {name: content[name] for name in names if name in content}

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
            raise LookupError(
                f"no pipeline registry: create {module_name.replace('.', '/')}.py with a "
                f"register_pipelines() function returning {{name: Pipeline}}"
            )
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


def _why(error: BaseException) -> str:
    """``Type: message``, with a hint for Kedro code that still imports ``kedro``."""
    missing = (getattr(error, "name", None) or "").split(".")[0]
    hint = ""
    if isinstance(error, ModuleNotFoundError) and missing in ("kedro", "kedro_datasets"):
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
    """Discover the project's pipelines, as Kedro's ``find_pipelines`` does.

    ``<package>/pipelines/<name>/`` becomes pipeline ``<name>`` when its
    ``__init__.py`` or ``pipeline.py`` defines ``create_pipeline()``, visited
    in name order. ``"__default__"`` is ``<package>/pipeline.py``'s pipeline if
    that module exists, else an empty one (registries usually replace it).

    Args:
        raise_errors: Raise on a pipeline that fails to import or build,
            instead of warning (``UserWarning``) and skipping it.
        pipelines_to_find: Import and build only these (Kedro 1.x), so a big
            project starts faster; ``"__default__"`` only if named. None: all.

    Returns:
        ``{name: Pipeline}``; a fresh dict on every call.

    Raises:
        LookupError: No project is configured.
        ImportError: With ``raise_errors``, the first pipeline that failed.
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
