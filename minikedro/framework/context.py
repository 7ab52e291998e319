"""A project's configuration turned into catalogs and parameters: Kedro's ``KedroContext``.

Public names: ``KedroContext``, ``KedroContextError``, ``CatalogCommandsMixin``
(``describe_datasets``, ``list_patterns``, ``resolve_patterns``: what
``minikedro catalog`` asks) and ``compose_classes``, all where Kedro has them.

The context merges ``--params`` over the parameters (``context.params``) and
builds catalogs from the catalog configuration, with the parameters added as
``params:...`` datasets, firing ``after_catalog_created``. Relative file paths
in the catalog (and relative ``sqlite:///`` URLs in the credentials) are made
absolute against the project folder, as Kedro does, so a run started with
``--project`` from elsewhere reads and writes the project's ``data/``.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from minikedro.framework.config_files import MissingConfigException, merge_dicts
from minikedro.io.core import is_parameter

__all__ = ["CatalogCommandsMixin", "KedroContext", "KedroContextError", "compose_classes"]

PATH_KEYS = ("filepath", "path", "filename")


def _in_project(path: str, project_path: Path) -> str:
    return (project_path / PurePosixPath(path)).as_posix()


def _absolute_paths(config: Any, project_path: Path) -> Any:
    """A copy of ``config`` with relative local ``filepath``/``path``/``filename`` made absolute."""
    if not isinstance(config, dict):
        return config
    return {key: _in_project(value, project_path)
            if key in PATH_KEYS and isinstance(value, str) and "://" not in value
            and not Path(value).is_absolute() else _absolute_paths(value, project_path)
            for key, value in config.items()}


def _absolute_sqlite_urls(credentials: Any, project_path: Path) -> Any:
    """A copy of ``credentials`` whose relative ``sqlite:///file`` URLs name files in the project."""
    if isinstance(credentials, dict):
        return {key: _absolute_sqlite_urls(value, project_path) for key, value in credentials.items()}
    prefix = "sqlite:///"
    if isinstance(credentials, str) and credentials.startswith(prefix):
        path = credentials[len(prefix):]
        if path and not path.startswith((":", "/")) and not Path(path).is_absolute():
            return prefix + _in_project(path, project_path)
    return credentials


class KedroContextError(Exception):
    """A context used the wrong way (Kedro's name, kept for code that catches it)."""


def _config_or_empty(config_loader: Any, key: str) -> dict[str, Any]:
    """``config_loader[key]``, or ``{}`` when a (custom) loader has no such files."""
    try:
        return config_loader[key]
    except MissingConfigException:
        return {}


class KedroContext:
    """The configuration of one project in one environment.

    Args:
        package_name: The project's package.
        project_path: The project folder.
        config_loader: A mapping with ``"catalog"``, ``"parameters"`` and
            ``"credentials"`` keys (an ``OmegaConfigLoader``).
        hook_manager: A ``PluginManager`` with the project's hooks.
        env: The run environment's name.
        runtime_params: ``--params`` values, merged over the parameters key by key.
    """

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
        from minikedro.framework.project import settings

        catalog_class = settings.DATA_CATALOG_CLASS
        if not issubclass(catalog_class, CatalogCommandsMixin):
            catalog_class = compose_classes(catalog_class, CatalogCommandsMixin)
        return self._get_catalog(catalog_class=catalog_class)

    def _get_catalog(self, catalog_class: type | None = None, save_version: str | None = None,
                     load_versions: dict[str, str] | None = None) -> Any:
        """Build a catalog of ``catalog_class`` and fire ``after_catalog_created``.

        Args:
            catalog_class: ``DataCatalog`` or a subclass; default ``settings.DATA_CATALOG_CLASS``.
            save_version: The version versioned datasets save under.
            load_versions: ``{dataset: version}`` to load instead of the newest.
        """
        if catalog_class is None:
            from minikedro.framework.project import settings

            catalog_class = settings.DATA_CATALOG_CLASS
        conf_catalog = _absolute_paths(self.config_loader["catalog"], self.project_path)
        conf_creds = _absolute_sqlite_urls(_config_or_empty(self.config_loader, "credentials"),
                                           self.project_path)
        catalog = catalog_class.from_config(conf_catalog, credentials=conf_creds,
                                            load_versions=load_versions, save_version=save_version)
        parameters = self.params
        catalog.add_parameters(parameters)
        self._hook_manager.hook.after_catalog_created(
            catalog=catalog, conf_catalog=conf_catalog, conf_creds=conf_creds,
            parameters=parameters, save_version=save_version, load_versions=load_versions,
        )
        return catalog


# What `minikedro catalog` asks of a catalog ------------------------------------------------


def _named_pipelines(pipelines: Iterable[Any] | str | None) -> list[tuple[str, Any]]:
    """``[(name, Pipeline)]`` for registered names or ``Pipeline`` objects; None: all registered."""
    from minikedro.framework.project import pipelines as registered

    if pipelines is None:
        return [(name, registered[name]) for name in sorted(registered)]
    chosen = []
    for i, item in enumerate([pipelines] if isinstance(pipelines, str) else pipelines):
        if not isinstance(item, str):
            chosen.append((f"pipeline_{i}", item))
        elif item in registered:
            chosen.append((item, registered[item]))
        else:
            raise ValueError(f"pipeline {item!r} not found; registered pipelines: "
                             f"{', '.join(sorted(registered)) or 'none'}")
    return chosen


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
        """The datasets of each pipeline, grouped by how the catalog provides them.

        Returns:
            ``{pipeline: {"datasets": {type: [names]}, "factories": {...},
            "defaults": {...}}}``: catalog entries, names a dataset factory
            pattern matches, and names left to the catch-all pattern or the
            default runtime dataset.
        """
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

    ``compose_classes(DataCatalog, CatalogCommandsMixin)`` is a ``DataCatalog``
    that also answers ``describe_datasets``, ``list_patterns`` and ``resolve_patterns``.
    """
    if not classes:
        raise TypeError("compose_classes() needs at least one class")
    return type(classes[0].__name__, classes, {"__module__": classes[0].__module__})
