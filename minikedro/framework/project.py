"""A configured project's settings and pipelines: Kedro's ``framework.project``.

Public names: ``settings``, ``pipelines``, ``find_pipelines``,
``configure_project``, ``PACKAGE_NAME``.

``configure_project(package_name)`` (called by ``bootstrap_project``) points
``settings`` at ``<package>.settings`` and ``pipelines`` at
``<package>.pipeline_registry``. Both stay lazy: the registry is imported on
first access to ``pipelines``, so ``minikedro --help`` works in a project whose
pipelines are broken.

Settings read from ``settings.py`` (every one optional; a missing module means
all defaults): ``HOOKS`` (hook instances), ``CONF_SOURCE`` (``"conf"``),
``CONFIG_LOADER_CLASS``, ``CONFIG_LOADER_ARGS`` (merged over
``{"base_env": "base", "default_run_env": "local"}``; also ``config_patterns``
and ``merge_strategy``), ``DATA_CATALOG_CLASS``, ``CONTEXT_CLASS`` and
``EXECUTOR_FACTORIES`` (``{name: callable}``: the factories a run file may name
as ``ExecutorRunner``'s ``executor_factory``).
``DISABLE_HOOKS_FOR_PLUGINS``, ``SESSION_STORE_CLASS`` and
``SESSION_STORE_ARGS`` are accepted and ignored (there are no plugins and no
session store).
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator

__all__ = ["PACKAGE_NAME", "configure_project", "find_pipelines", "pipelines", "settings"]

logger = logging.getLogger(__name__)

PACKAGE_NAME: str | None = None

# Why find_pipelines() last skipped each pipeline it could not build: {name: reason}.
_skipped: dict[str, str] = {}


class _ProjectSettings:
    """Attribute access to ``settings.py``, falling back to Kedro's defaults."""

    _DEFAULTS: dict[str, Any] = {
        "CONF_SOURCE": "conf",
        "HOOKS": (),
        "CONFIG_LOADER_ARGS": {"base_env": "base", "default_run_env": "local"},
        "DISABLE_HOOKS_FOR_PLUGINS": (),
        "SESSION_STORE_CLASS": None,
        "SESSION_STORE_ARGS": {},
        "EXECUTOR_FACTORIES": {},
    }
    # Imported only when asked for, so reading CONF_SOURCE imports no catalog code.
    _DEFAULT_CLASSES = {
        "CONFIG_LOADER_CLASS": ("minikedro.framework.config", "OmegaConfigLoader"),
        "DATA_CATALOG_CLASS": ("minikedro.io", "DataCatalog"),
        "CONTEXT_CLASS": ("minikedro.framework.context", "KedroContext"),
    }

    def __init__(self) -> None:
        self._module: Any = None

    def configure(self, settings_module: str | None = None) -> None:
        """Read settings from ``settings_module`` if it exists, else use defaults."""
        self._module = None
        if settings_module and importlib.util.find_spec(settings_module) is not None:
            self._module = _import_project_module(settings_module, "the project's settings")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._module is not None and hasattr(self._module, name):
            value = getattr(self._module, name)
            if name == "CONFIG_LOADER_ARGS":
                value = {**self._DEFAULTS[name], **value}
            return value
        if name in self._DEFAULTS:
            value = self._DEFAULTS[name]
            return dict(value) if isinstance(value, dict) else value
        if name in self._DEFAULT_CLASSES:
            module, attribute = self._DEFAULT_CLASSES[name]
            return getattr(importlib.import_module(module), attribute)
        raise AttributeError(f"no setting named {name!r}")

    def __repr__(self) -> str:
        source = self._module.__name__ if self._module is not None else "defaults"
        return f"<settings from {source}>"


class _ProjectPipelines(Mapping):
    """The registered pipelines, loaded from ``register_pipelines()`` on first use."""

    def __init__(self) -> None:
        self._registry_module: str | None = None
        self._content: dict[str, Any] | None = None

    def configure(self, registry_module: str | None = None) -> None:
        """Point at ``registry_module``; the next access (re)loads the pipelines."""
        self._registry_module = registry_module
        self._content = None

    def _load(self) -> dict[str, Any]:
        if self._content is not None:
            return self._content
        if self._registry_module is None:
            return {}
        module_name = self._registry_module
        if importlib.util.find_spec(module_name) is None:
            raise LookupError(
                f"no pipeline registry: create {module_name.replace('.', '/')}.py with a "
                f"register_pipelines() function returning {{name: Pipeline}}"
            )
        module = _import_project_module(module_name, "the pipeline registry")
        register = getattr(module, "register_pipelines", None)
        if register is None:
            raise LookupError(f"{module_name} has no register_pipelines() function")
        try:
            content = register()
        except Exception as exc:
            raise RuntimeError(
                f"register_pipelines() in {module_name} failed: {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(content, Mapping):
            raise TypeError(
                f"register_pipelines() in {module_name} must return a dict of "
                f"{{name: Pipeline}}, got {type(content).__name__}"
            )
        self._content = dict(content)
        return self._content

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


def _kedro_import_hint(error: BaseException) -> str:
    """A hint for Kedro code that still imports ``kedro`` (or ``kedro_datasets``)."""
    missing = (getattr(error, "name", None) or "").split(".")[0]
    if isinstance(error, ModuleNotFoundError) and missing in ("kedro", "kedro_datasets"):
        return (" (this project runs on minikedro: import from 'minikedro' where Kedro code "
                "imports from 'kedro', and from 'minikedro.datasets' for 'kedro_datasets')")
    return ""


def _import_project_module(module_name: str, what: str) -> Any:
    """Import one of the project's own modules, naming it (and its file) when that fails.

    Raises:
        ImportError: The module, or something it imports or runs, failed.
    """
    try:
        return importlib.import_module(module_name)
    except Exception as exc:
        try:
            origin = importlib.util.find_spec(module_name).origin
        except Exception:  # never hide the import's own error behind this one
            origin = None
        where = f" ({origin})" if origin else ""
        raise ImportError(
            f"cannot import {what}, {module_name}{where}: {type(exc).__name__}: {exc}"
            f"{_kedro_import_hint(exc)}"
        ) from exc


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

    module = importlib.import_module(module_name)
    create = getattr(module, "create_pipeline", None)
    if create is None and importlib.util.find_spec(f"{module_name}.pipeline") is not None:
        create = getattr(importlib.import_module(f"{module_name}.pipeline"), "create_pipeline", None)
    if create is None:
        raise AttributeError(
            f"{module_name} has no create_pipeline() (in __init__.py or pipeline.py)"
        )
    result = create()
    if not isinstance(result, Pipeline):
        raise TypeError(
            f"create_pipeline() in {module_name} must return a Pipeline, "
            f"got {type(result).__name__}"
        )
    return result


def find_pipelines(raise_errors: bool = False) -> dict[str, Any]:
    """Discover the project's pipelines, as Kedro's ``find_pipelines`` does.

    ``<package>/pipelines/<name>/`` becomes pipeline ``<name>`` when its
    ``__init__.py`` or ``pipeline.py`` defines ``create_pipeline()``.
    ``"__default__"`` is ``<package>/pipeline.py``'s pipeline if that module
    exists, else an empty pipeline (registries usually replace it with the sum
    of the others). Folders are visited in name order.

    Args:
        raise_errors: Raise on a pipeline that fails to import or build,
            instead of logging a warning and skipping it.

    Returns:
        ``{name: Pipeline}``; a fresh dict on every call.

    Raises:
        LookupError: No project is configured.
        ImportError: With ``raise_errors``, the first pipeline that failed.
    """
    from minikedro.pipeline import Pipeline

    if PACKAGE_NAME is None:
        raise LookupError(
            "find_pipelines() needs a configured project: call "
            "bootstrap_project(path) or configure_project(package_name) first"
        )
    found: dict[str, Any] = {"__default__": Pipeline([])}
    candidates = []
    if importlib.util.find_spec(f"{PACKAGE_NAME}.pipeline") is not None:
        candidates.append(("__default__", f"{PACKAGE_NAME}.pipeline"))
    package_spec = importlib.util.find_spec(f"{PACKAGE_NAME}.pipelines")
    for location in (package_spec.submodule_search_locations or []) if package_spec else []:
        for folder in sorted(Path(location).iterdir()):
            if folder.is_dir() and folder.name != "__pycache__" and not folder.name.startswith("."):
                candidates.append((folder.name, f"{PACKAGE_NAME}.pipelines.{folder.name}"))
    _skipped.clear()
    for name, module_name in candidates:
        try:
            found[name] = _create_pipeline(module_name)
        except Exception as exc:
            message = (f"pipeline {name!r} skipped: {module_name}: {type(exc).__name__}: "
                       f"{exc}{_kedro_import_hint(exc)}")
            if raise_errors:
                raise ImportError(message) from exc
            logger.warning(message)
            _skipped[name] = message
    return found
