"""A project's loaded configuration, ready to build catalogs: Kedro's ``KedroContext``.

Public names: ``KedroContext``, ``KedroContextError``, and, from
:mod:`minikedro.framework.catalog_commands`, ``CatalogCommandsMixin`` and
``compose_classes`` (``context.catalog`` has their ``describe_datasets``,
``list_patterns`` and ``resolve_patterns``).

The context joins the config loader and the ``--params`` overrides into
``context.params``, and turns the catalog configuration into a catalog (with
the parameters added as ``params:...`` datasets) through ``_get_catalog``,
firing the ``after_catalog_created`` hook. Relative file paths in the catalog
are made absolute against the project folder, as Kedro does, so a run started
with ``--project`` from another folder reads and writes the project's ``data/``
(so do relative ``sqlite:///`` URLs in the credentials).
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from minikedro.framework.catalog_commands import CatalogCommandsMixin, compose_classes
from minikedro.framework.config_files import MissingConfigException, merge_dicts

__all__ = ["CatalogCommandsMixin", "KedroContext", "KedroContextError", "compose_classes"]

PATH_KEYS = ("filepath", "path", "filename")


def _absolute_paths(config: Any, project_path: Path) -> Any:
    """A copy of ``config`` with relative local ``filepath``/``path``/``filename`` made absolute."""
    if not isinstance(config, dict):
        return config
    converted = {}
    for key, value in config.items():
        if (
            key in PATH_KEYS
            and isinstance(value, str)
            and "://" not in value
            and not Path(value).is_absolute()
        ):
            value = (project_path / PurePosixPath(value)).as_posix()
        converted[key] = _absolute_paths(value, project_path)
    return converted


def _absolute_sqlite_urls(credentials: Any, project_path: Path) -> Any:
    """A copy of ``credentials`` whose relative ``sqlite:///file`` URLs name files in the project.

    Kedro's SQL datasets take the database as ``con: sqlite:///data/db.sqlite``
    in ``credentials``; made absolute as catalog file paths are, the run reads
    and writes the project's database wherever it was started from.
    """
    if isinstance(credentials, dict):
        return {key: _absolute_sqlite_urls(value, project_path)
                for key, value in credentials.items()}
    prefix = "sqlite:///"
    if isinstance(credentials, str) and credentials.startswith(prefix):
        path = credentials[len(prefix):]
        if path and not path.startswith((":", "/")) and not Path(path).is_absolute():
            return prefix + (project_path / PurePosixPath(path)).as_posix()
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
        runtime_params: ``--params`` values, merged over the parameters key by
            key (nested keys too).
    """

    def __init__(
        self,
        package_name: str,
        project_path: str | Path,
        config_loader: Any,
        hook_manager: Any,
        env: str | None = None,
        runtime_params: dict[str, Any] | None = None,
    ) -> None:
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
        """A new ``settings.DATA_CATALOG_CLASS`` catalog built from the configuration.

        It also answers ``describe_datasets``, ``list_patterns`` and
        ``resolve_patterns`` (``CatalogCommandsMixin``), as Kedro's does in
        notebooks and on the command line.
        """
        from minikedro.framework.project import settings

        catalog_class = settings.DATA_CATALOG_CLASS
        if not issubclass(catalog_class, CatalogCommandsMixin):
            catalog_class = compose_classes(catalog_class, CatalogCommandsMixin)
        return self._get_catalog(catalog_class=catalog_class)

    def _get_catalog(
        self,
        catalog_class: type | None = None,
        save_version: str | None = None,
        load_versions: dict[str, str] | None = None,
    ) -> Any:
        """Build a catalog of ``catalog_class`` and fire ``after_catalog_created``.

        Args:
            catalog_class: ``DataCatalog`` or a subclass; default
                ``settings.DATA_CATALOG_CLASS``.
            save_version: The version versioned datasets save under.
            load_versions: ``{dataset: version}`` to load instead of the newest.
        """
        if catalog_class is None:
            from minikedro.framework.project import settings

            catalog_class = settings.DATA_CATALOG_CLASS
        conf_catalog = _absolute_paths(self.config_loader["catalog"], self.project_path)
        conf_creds = _absolute_sqlite_urls(
            _config_or_empty(self.config_loader, "credentials"), self.project_path
        )
        catalog = catalog_class.from_config(
            conf_catalog,
            credentials=conf_creds,
            load_versions=load_versions,
            save_version=save_version,
        )
        parameters = self.params
        catalog.add_parameters(parameters)
        self._hook_manager.hook.after_catalog_created(
            catalog=catalog,
            conf_catalog=conf_catalog,
            conf_creds=conf_creds,
            parameters=parameters,
            save_version=save_version,
            load_versions=load_versions,
        )
        return catalog
