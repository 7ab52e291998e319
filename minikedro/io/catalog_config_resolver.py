"""Dataset factory patterns, the parsed catalog configuration, and Kedro's resolver API.

An entry whose name holds ``{placeholders}`` is a dataset factory pattern:
``"{name}_csv"`` stands for every dataset name it matches, and its
placeholders are filled into every string value when such a dataset is
first used. When several patterns match, the most specific wins: the one
with more characters outside placeholders, then the one with fewer
placeholders, then the first alphabetically. A pattern that is nothing but
a placeholder (``"{default_dataset}"``) is the *user catch-all*: it matches
every name, so it is tried last, and a catalog may have only one.

``CatalogConfig`` is a whole catalog configuration, checked up front: plain
entries (see ``catalog_config.py``) and sorted patterns.
``CatalogConfigResolver`` is the read-only view Kedro users reach through
``catalog.config_resolver``.

Public names: ``CatalogConfig``, ``CatalogConfigResolver``, ``DatasetPattern``.

Kedro counterpart: ``kedro.io.catalog_config_resolver``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from minikedro.io.catalog_config import ConfigProblem, DatasetEntry, parse_entry, resolve_credentials
from minikedro.io.core import AbstractDataset, DatasetError

__all__ = ["CatalogConfig", "CatalogConfigResolver", "DatasetPattern"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill_placeholders(value: Any, values: Mapping[str, str]) -> Any:
    """Substitute ``{placeholder}`` in every string inside ``value``."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda match: values[match[1]], value) if "{" in value else value
    if isinstance(value, Mapping):
        return {key: _fill_placeholders(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_placeholders(item, values) for item in value]
    if isinstance(value, tuple):
        return tuple(_fill_placeholders(item, values) for item in value)
    return value


def _placeholders_in(value: Any) -> set[str]:
    """The placeholder names used in the strings inside ``value``."""
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, (list, tuple)):
        return set()
    return set().union(*(_placeholders_in(item) for item in value))


class DatasetPattern:
    """A dataset factory pattern such as ``"{namespace}.{name}_csv"`` with its entry.

    Args:
        pattern: The entry name; ``{word}`` matches one or more characters.
        config: The entry, whose strings may use the pattern's placeholders.
        credentials: The credentials mapping, looked up after placeholders
            are filled in (so ``credentials: "{name}_db"`` works).

    Raises:
        ConfigProblem: Bad placeholder syntax, an unknown placeholder in a
            value, or a problem with the entry itself.
    """

    def __init__(self, pattern: str, config: Any, credentials: Mapping[str, Any]):
        self.pattern = pattern
        self.entry = parse_entry(config)
        self.config = dict(config)  # as written, for resolve_pattern and to_config
        self._credentials = credentials
        regex, literal_chars, names = [], 0, []
        for part in re.split(r"(\{[^{}]*\})", pattern):
            if part.startswith("{") and part.endswith("}") and len(part) > 1:
                name = part[1:-1]
                if not name.isidentifier():
                    raise ConfigProblem(
                        None, f"placeholder '{part}' in pattern '{pattern}' must be a "
                        "plain name such as '{name}' (format specs are not supported)"
                    )
                regex.append(f"(?P={name})" if name in names else f"(?P<{name}>.+?)")
                names.append(name)
            elif "{" in part or "}" in part:
                raise ConfigProblem(None, f"unbalanced braces in pattern '{pattern}'")
            else:
                regex.append(re.escape(part))
                literal_chars += len(part)
        self.specificity = literal_chars
        self.placeholder_count = len(names)
        self._regex = re.compile("".join(regex))
        for key, value in self.entry.kwargs.items():
            undefined = sorted(_placeholders_in(value) - set(names))
            if undefined:
                raise ConfigProblem(key, f"uses '{{{undefined[0]}}}', which pattern '{pattern}' does not define")
        resolve_credentials(self.entry.kwargs, credentials, in_pattern=True)  # check known names now

    def sort_key(self) -> tuple:
        """Most specific first: more literal characters, fewer placeholders, then A-Z."""
        return (-self.specificity, self.placeholder_count, self.pattern)

    def match(self, name: str) -> dict[str, str] | None:
        """Return the placeholder values if ``name`` matches, else None."""
        found = self._regex.fullmatch(name)
        return None if found is None else found.groupdict()

    def filled_config(self, name: str) -> dict[str, Any]:
        """The entry as written, with ``name``'s placeholder values filled in (credentials unresolved)."""
        return _fill_placeholders(self.config, self.match(name) or {})

    def create(
        self, name: str, values: Mapping[str, str],
        load_version: str | None = None, save_version: str | None = None,
    ) -> AbstractDataset:
        """Create the dataset ``name``, given the placeholder ``values`` it matched.

        Raises:
            DatasetError: Unknown credentials, or the constructor failed.
        """
        kwargs = _fill_placeholders(self.entry.kwargs, values)
        try:
            kwargs = resolve_credentials(kwargs, self._credentials)
        except ConfigProblem as problem:
            raise DatasetError(
                f"{problem.describe(self.pattern)} (resolving dataset '{name}')", dataset_name=name
            ) from None
        return self.entry._replace(kwargs=kwargs).create(name, load_version, save_version)

    def __repr__(self) -> str:
        return f"DatasetPattern({self.pattern!r})"


class CatalogConfig:
    """A whole catalog configuration, checked: plain entries and sorted patterns.

    Keys starting with ``_`` are skipped (the YAML-anchor convention for
    shared templates).

    Args:
        catalog_config: Entry name to entry config.
        credentials: Credentials name to credentials, for ``credentials:`` keys.

    Attributes:
        entries: Entry name to checked entry (credentials resolved).
        raw: Entry name to the entry as written (credentials by name).
        credentials: The credentials mapping given.
        patterns: The patterns, most specific first (a catch-all last).

    Raises:
        TypeError: ``catalog_config`` or ``credentials`` is not a mapping.
        DatasetError: One or more entries are invalid; the message lists
            every one, each with its entry name and key at fault.
    """

    def __init__(
        self, catalog_config: Mapping[str, Any] | None = None,
        credentials: Mapping[str, Any] | None = None,
    ):
        for label, value in (("catalog_config", catalog_config), ("credentials", credentials)):
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"{label} must be a mapping, got {type(value).__name__}")
        self.credentials: Mapping[str, Any] = credentials or {}
        self.entries: dict[str, DatasetEntry] = {}
        self.raw: dict[str, dict[str, Any]] = {}
        patterns: list[DatasetPattern] = []
        problems: dict[str, ConfigProblem] = {}
        for name, config in (catalog_config or {}).items():
            if name.startswith("_"):
                continue
            try:
                if "{" in name or "}" in name:
                    patterns.append(DatasetPattern(name, config, self.credentials))
                else:
                    entry = parse_entry(config)
                    kwargs = resolve_credentials(entry.kwargs, self.credentials)
                    self.entries[name] = entry._replace(kwargs=kwargs)
                    self.raw[name] = dict(config)
            except ConfigProblem as problem:
                problems[name] = problem
        self.patterns = sorted(patterns, key=DatasetPattern.sort_key)
        catch_alls = [p.pattern for p in self.patterns if p.specificity == 0]
        for extra in catch_alls[1:]:
            problems[extra] = ConfigProblem(
                None, f"only one catch-all pattern is allowed, and '{catch_alls[0]}' is one too; remove the extras"
            )
        if len(problems) == 1:
            (name, problem), = problems.items()
            raise DatasetError(problem.describe(name)) from problem.__cause__
        if problems:
            lines = "\n".join(f"- {problems[name].describe(name)}" for name in sorted(problems))
            raise DatasetError(f"{len(problems)} catalog entries are invalid:\n{lines}")

    def match(self, name: str) -> DatasetPattern | None:
        """Return the most specific pattern matching ``name``, if any."""
        return next((p for p in self.patterns if p.match(name) is not None), None)

    def is_versioned(self, name: str) -> bool | None:
        """Whether the entry or pattern for ``name`` is versioned; None if neither exists."""
        found = self.entries.get(name) or self.match(name)
        if found is None:
            return None
        return found.versioned if isinstance(found, DatasetEntry) else found.entry.versioned

    def create_from_pattern(
        self, name: str, load_version: str | None = None, save_version: str | None = None
    ) -> AbstractDataset | None:
        """Create ``name`` from the most specific pattern matching it, or return None."""
        for pattern in self.patterns:
            values = pattern.match(name)
            if values is not None:
                return pattern.create(name, values, load_version, save_version)
        return None


class CatalogConfigResolver:
    """Kedro's read-only pattern API over a catalog's configuration (``catalog.config_resolver``).

    Args:
        config: The catalog's configuration.
        runtime: The catalog's default runtime patterns (``{default}``).
    """

    def __init__(self, config: CatalogConfig, runtime: CatalogConfig):
        self._config = config
        self._runtime = runtime

    @property
    def config(self) -> dict[str, dict[str, Any]]:
        """The plain (non-pattern) entries, as written."""
        return dict(self._config.raw)

    @staticmethod
    def is_pattern(pattern: str) -> bool:
        """Whether ``pattern`` holds a ``{placeholder}``."""
        return "{" in pattern

    def list_patterns(self) -> list[str]:
        """Every pattern in resolution order: dataset patterns, the user catch-all, runtime ones."""
        return [p.pattern for p in self._config.patterns] + [p.pattern for p in self._runtime.patterns]

    def match_dataset_pattern(self, name: str) -> str | None:
        """The most specific dataset pattern (not the catch-all) matching ``name``, or None."""
        found = self._config.match(name)
        return found.pattern if found is not None and found.specificity else None

    def match_user_catch_all_pattern(self, name: str) -> str | None:
        """The user catch-all pattern, if there is one (it matches every name), else None."""
        found = next((p for p in self._config.patterns if not p.specificity), None)
        return found.pattern if found is not None and found.match(name) is not None else None

    def match_runtime_pattern(self, name: str) -> str | None:
        """The default runtime pattern that would create ``name`` during a run."""
        found = self._runtime.match(name)
        return found.pattern if found is not None else None

    def resolve_pattern(self, name: str) -> dict[str, Any]:
        """The configuration ``name`` gets, as written, with credentials names unresolved.

        Its entry, else its most specific pattern's (placeholders filled
        in), else the runtime default.
        """
        if name in self._config.raw:
            return dict(self._config.raw[name])
        pattern = self._config.match(name) or self._runtime.match(name)
        return pattern.filled_config(name) if pattern is not None else {}
