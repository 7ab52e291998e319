"""Pipeline-aware catalog questions: Kedro's ``CatalogCommandsMixin`` and ``compose_classes``.

Public names: ``CatalogCommandsMixin`` (``describe_datasets``,
``list_patterns``, ``resolve_patterns``), ``compose_classes``. Both are also
importable from :mod:`minikedro.framework.context`, where Kedro keeps them.

``context.catalog`` (a notebook, ``minikedro catalog ...``) already has these
methods; a catalog built by hand gets them like this::

    from minikedro.framework.context import CatalogCommandsMixin, compose_classes
    from minikedro.io import DataCatalog

    catalog = compose_classes(DataCatalog, CatalogCommandsMixin).from_config(config)
    catalog.describe_datasets(["data_processing"])

``pipelines`` arguments are registered pipeline names or ``Pipeline``
objects; ``None`` means every registered pipeline. Parameters are never listed.
"""
from __future__ import annotations

from typing import Any, Iterable

__all__ = ["CatalogCommandsMixin", "compose_classes"]


def _is_parameter(name: str) -> bool:
    return name == "parameters" or name.startswith("params:")


def _named_pipelines(pipelines: Iterable[Any] | str | None) -> list[tuple[str, Any]]:
    """``[(name, Pipeline)]``; an unknown name is an error listing the registered ones."""
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
            raise ValueError(
                f"pipeline {item!r} not found; registered pipelines: "
                f"{', '.join(sorted(registered)) or 'none'}"
            )
    return chosen


class CatalogCommandsMixin:
    """What ``minikedro catalog`` asks of a catalog, mixed into ``DataCatalog``."""

    def _default_type(self: Any) -> str:
        kind = self.config_resolver.resolve_pattern("\0 no such dataset").get("type", "MemoryDataset")
        return kind if "." in kind else f"minikedro.io.{kind}"

    def _by_type(self: Any, names: Iterable[str]) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for name in sorted(names):
            kind = self.get_type(name) or self._default_type()
            grouped.setdefault(kind, []).append(name)
        return grouped

    def describe_datasets(self: Any, pipelines: Iterable[Any] | None = None) -> dict[str, Any]:
        """The datasets of each pipeline, grouped by how the catalog provides them.

        Returns:
            ``{pipeline: {"datasets": {type: [names]}, "factories": {...},
            "defaults": {...}}}``: entries of the catalog, names matched by a
            dataset factory pattern, and names left to the catch-all pattern
            or the default runtime dataset.
        """
        result = {}
        registered = set(self.keys())
        for name, pipeline in _named_pipelines(pipelines):
            used = {n for n in pipeline.datasets() if not _is_parameter(n)}
            free = used - registered
            factories = {n for n in free if self.config_resolver.match_dataset_pattern(n)}
            result[name] = {
                "datasets": self._by_type(used & registered),
                "factories": self._by_type(factories),
                "defaults": self._by_type(free - factories),
            }
        return result

    def list_patterns(self: Any) -> list[str]:
        """Every dataset factory pattern, in the order names are matched against them."""
        return self.config_resolver.list_patterns()

    def resolve_patterns(self: Any, pipelines: Iterable[Any] | None = None) -> dict[str, Any]:
        """The configuration of every catalog entry and of each pipeline dataset.

        Entries are shown as written (credentials by name); a pipeline dataset
        that is not an entry gets its pattern's configuration with the
        placeholders filled in, or the default runtime dataset's.
        """
        resolver = self.config_resolver
        written = resolver.config
        resolved: dict[str, Any] = {}
        for name in self.keys():
            if not _is_parameter(name):
                resolved[name] = dict(written[name]) if name in written else {"type": self.get_type(name)}
        for _, pipeline in _named_pipelines(pipelines):
            for name in sorted(pipeline.datasets()):
                if name not in resolved and not _is_parameter(name):
                    resolved[name] = resolver.resolve_pattern(name)
        return resolved


def compose_classes(*classes: type) -> type:
    """A class inheriting from ``classes`` in order, named after the first.

    ``compose_classes(DataCatalog, CatalogCommandsMixin)`` is a ``DataCatalog``
    that also answers ``describe_datasets``, ``list_patterns`` and
    ``resolve_patterns``.
    """
    if not classes:
        raise TypeError("compose_classes() needs at least one class")
    return type(classes[0].__name__, classes, {"__module__": classes[0].__module__})
