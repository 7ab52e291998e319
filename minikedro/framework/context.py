"""A project's configuration turned into parameters and catalogs: Kedro's ``KedroContext``.

Public names: ``KedroContext``, ``KedroContextError``, ``CatalogCommandsMixin``
(what ``minikedro catalog`` asks a catalog) and ``compose_classes``.

Relative file paths and ``sqlite:///`` URLs in the catalog and credentials are
made absolute against the project folder, as Kedro does for paths, so a run
started with ``--project`` from elsewhere uses the project's ``data/``.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from minikedro.framework import project
from minikedro.framework.config_files import MissingConfigException, merge_dicts
from minikedro.io.core import is_parameter

__all__ = ["CatalogCommandsMixin", "KedroContext", "KedroContextError", "compose_classes"]

PATH_KEYS = ("filepath", "path", "filename")
SQLITE = "sqlite:///"


def _in_project(config: Any, project_path: Path, key: Any = None) -> Any:
    """A copy of ``config`` whose relative local paths (``PATH_KEYS`` values without ``://``,
    ``sqlite:///`` URLs) name files in ``project_path``."""
    if isinstance(config, dict):
        return {name: _in_project(value, project_path, name) for name, value in config.items()}
    if isinstance(config, str) and config.startswith(SQLITE):
        prefix, path = SQLITE, config[len(SQLITE):]
    elif isinstance(config, str) and key in PATH_KEYS and "://" not in config:
        prefix, path = "", config
    else:
        return config
    if not path or path.startswith((":", "/")) or Path(path).is_absolute():  # :memory:, /srv/db
        return config
    return prefix + (project_path / PurePosixPath(path)).as_posix()


class KedroContextError(Exception):
    """A context used the wrong way (Kedro's name, kept for code that catches it)."""


def _config_or_empty(config_loader: Any, key: str) -> dict[str, Any]:
    """``config_loader[key]``, or ``{}`` when a (custom) loader has no such files."""
    try:
        return config_loader[key]
    except MissingConfigException:
        return {}


class KedroContext:
    """The configuration of one project in one environment, read through ``config_loader``
    (a mapping with ``"catalog"``, ``"parameters"`` and ``"credentials"``, as ``OmegaConfigLoader``)."""

    def __init__(self, package_name: str, project_path: str | Path, config_loader: Any,
                 hook_manager: Any, env: str | None = None,
                 runtime_params: dict[str, Any] | None = None) -> None:
        self.package_name = package_name
        self.project_path = Path(project_path)
        self.config_loader = config_loader
        self.env = env
        self._hook_manager = hook_manager
        self._runtime_params = dict(runtime_params or {})

    def __repr__(self) -> str:
        return f"KedroContext(package_name={self.package_name!r}, env={self.env!r})"

    @property
    def params(self) -> dict[str, Any]:
        """The parameters of the environment, with ``--params`` merged over them."""
        return merge_dicts(_config_or_empty(self.config_loader, "parameters"), self._runtime_params)

    @property
    def catalog(self) -> Any:
        """A new ``settings.DATA_CATALOG_CLASS`` catalog that also has ``CatalogCommandsMixin``'s methods."""
        catalog_class = project.settings.DATA_CATALOG_CLASS
        if not issubclass(catalog_class, CatalogCommandsMixin):
            catalog_class = compose_classes(catalog_class, CatalogCommandsMixin)
        return self._get_catalog(catalog_class=catalog_class)

    def _get_catalog(self, catalog_class: type | None = None, save_version: str | None = None,
                     load_versions: dict[str, str] | None = None) -> Any:
        """A catalog of ``catalog_class`` (default ``settings.DATA_CATALOG_CLASS``), with the
        parameters, after ``after_catalog_created``; versioned datasets save under ``save_version``."""
        catalog_class = catalog_class or project.settings.DATA_CATALOG_CLASS
        conf_catalog = _in_project(self.config_loader["catalog"], self.project_path)
        conf_creds = _in_project(_config_or_empty(self.config_loader, "credentials"), self.project_path)
        catalog = catalog_class.from_config(conf_catalog, credentials=conf_creds,
                                            load_versions=load_versions, save_version=save_version)
        parameters = self.params
        catalog.add_parameters(parameters)
        self._hook_manager.hook.after_catalog_created(
            catalog=catalog, conf_catalog=conf_catalog, conf_creds=conf_creds,
            parameters=parameters, save_version=save_version, load_versions=load_versions,
        )
        return catalog


def _named_pipelines(pipelines: Iterable[Any] | str | None) -> list[tuple[str, Any]]:
    """``[(name, Pipeline)]`` for registered names or ``Pipeline`` objects; None: all registered."""
    if pipelines is None:
        return sorted(project.pipelines.items())
    items = [pipelines] if isinstance(pipelines, str) else list(pipelines)
    found = project.pipelines._select([item for item in items if isinstance(item, str)])
    return [(item, found[item]) if isinstance(item, str) else (f"pipeline_{i}", item)
            for i, item in enumerate(items)]


class CatalogCommandsMixin:
    """Pipeline-aware questions to a catalog, mixed into ``DataCatalog`` (Kedro's name).

    ``pipelines`` arguments are registered pipeline names or ``Pipeline``
    objects; None means every registered pipeline. Parameters are never listed.
    """

    def _by_type(self: Any, names: Iterable[str]) -> dict[str, list[str]]:
        default = self.config_resolver.resolve_pattern("\0 no such dataset").get("type", "MemoryDataset")
        default = default if "." in default else f"minikedro.io.{default}"
        grouped: dict[str, list[str]] = {}
        for name in sorted(names):
            grouped.setdefault(self.get_type(name) or default, []).append(name)
        return grouped

    def describe_datasets(self: Any, pipelines: Iterable[Any] | None = None) -> dict[str, Any]:
        """``{pipeline: {"datasets": {type: [names]}, "factories": ..., "defaults": ...}}``:
        each pipeline's datasets that are catalog entries, that a factory pattern matches,
        and that are left to the catch-all pattern or the default runtime dataset."""
        result = {}
        registered = set(self.keys())
        for name, pipeline in _named_pipelines(pipelines):
            used = {n for n in pipeline.datasets() if not is_parameter(n)}
            free = used - registered
            factories = {n for n in free if self.config_resolver.match_dataset_pattern(n)}
            result[name] = {"datasets": self._by_type(used & registered),
                            "factories": self._by_type(factories),
                            "defaults": self._by_type(free - factories)}
        return result

    def list_patterns(self: Any) -> list[str]:
        """Every dataset factory pattern, in the order names are matched against them."""
        return self.config_resolver.list_patterns()

    def resolve_patterns(self: Any, pipelines: Iterable[Any] | None = None) -> dict[str, Any]:
        """The configuration of every catalog entry and pipeline dataset, patterns filled in.

        Entries are shown as written (credentials by name); a pipeline dataset
        that is no entry gets its pattern's configuration, or the default one's.
        """
        written = self.config_resolver.config
        resolved = {name: dict(written[name]) if name in written else {"type": self.get_type(name)}
                    for name in self.keys() if not is_parameter(name)}
        for _, pipeline in _named_pipelines(pipelines):
            for name in sorted(pipeline.datasets()):
                if name not in resolved and not is_parameter(name):
                    resolved[name] = self.config_resolver.resolve_pattern(name)
        return resolved


def compose_classes(*classes: type) -> type:
    """A class inheriting from ``classes`` in order, named after the first.

    ``compose_classes(DataCatalog, CatalogCommandsMixin)`` is a ``DataCatalog`` with the mixin's methods.
    """
    if not classes:
        raise TypeError("compose_classes() needs at least one class")
    return type(classes[0].__name__, classes, {"__module__": classes[0].__module__})
