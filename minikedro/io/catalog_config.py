"""Turn catalog configuration (plain dicts from TOML/JSON/YAML) into datasets.

One catalog entry looks like ``{"type": "CSVDataset", "filepath": "...",
"versioned": True, "credentials": "db"}``. This module checks entries before
any dataset is used, so a mistake is reported up front with the entry and
the key at fault:

- ``type`` is a built-in class name, a kedro-datasets name with the same
  meaning (``pickle.PickleDataset``), or the dotted import path of any
  ``AbstractDataset`` subclass (``mypkg.datasets.MyDataset``);
- the remaining keys must be arguments of that class's constructor, and
  every required argument must be there (checked with ``inspect.signature``);
- ``credentials: <name>`` (at any depth) is replaced by that entry of the
  credentials mapping.

An entry whose name holds ``{placeholders}`` is a dataset factory pattern:
``"{name}_csv"`` stands for every dataset name it matches, and its
placeholders are filled into every string value when such a dataset is
first used. When several patterns match, the most specific wins: the one
with more characters outside placeholders, then the one with fewer
placeholders, then the first alphabetically.

Public names: ``BUILTIN_TYPES``, ``CatalogConfig``, ``DatasetEntry``,
``DatasetPattern``, ``dataset_from_config``.

Kedro counterpart: ``kedro.io.catalog_config_resolver.CatalogConfigResolver``
and ``parse_dataset_definition`` in ``kedro.io.core``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from minikedro.io.core import AbstractDataset, AbstractVersionedDataset, DatasetError, Version

__all__ = ["BUILTIN_TYPES", "CatalogConfig", "DatasetEntry", "DatasetPattern", "dataset_from_config"]

# Import paths, not classes: the file datasets are imported on first use only.
BUILTIN_TYPES = {
    "CSVDataset": "minikedro.datasets.csv_dataset.CSVDataset",
    "JSONDataset": "minikedro.datasets.json_dataset.JSONDataset",
    "MemoryDataset": "minikedro.io.memory_dataset.MemoryDataset",
    "PickleDataset": "minikedro.datasets.pickle_dataset.PickleDataset",
    "SQLiteQueryDataset": "minikedro.datasets.sqlite_dataset.SQLiteQueryDataset",
    "SQLiteTableDataset": "minikedro.datasets.sqlite_dataset.SQLiteTableDataset",
    "SharedMemoryDataset": "minikedro.io.shared_memory_dataset.SharedMemoryDataset",
    "TextDataset": "minikedro.datasets.text_dataset.TextDataset",
}
# kedro-datasets names whose meaning ours keep. pandas.CSVDataset is not
# here: it yields a DataFrame, and ours yields a list of dicts.
_KEDRO_DATASETS_NAMES = {
    "json.JSONDataset": "JSONDataset",
    "pickle.PickleDataset": "PickleDataset",
    "text.TextDataset": "TextDataset",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class ConfigProblem(Exception):
    """One thing wrong with one catalog entry: which key, and what."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key = key
        self.message = message

    def describe(self, entry: str) -> str:
        where = f"Catalog entry '{entry}'" + (f", key '{self.key}'" if self.key else "")
        return f"{where}: {self.message}"


def resolve_type(type_name: Any) -> type:
    """Return the dataset class a config ``type`` names.

    Raises:
        ConfigProblem: The name matches nothing importable, or not a dataset class.
    """
    if isinstance(type_name, type):
        found: Any = type_name
    elif not isinstance(type_name, str):
        raise ConfigProblem("type", f"expected a class name, got {type(type_name).__name__}")
    else:
        path = BUILTIN_TYPES.get(_KEDRO_DATASETS_NAMES.get(type_name, type_name), type_name)
        module_name, _, class_name = path.rpartition(".")
        try:
            if not module_name:
                raise LookupError("not a built-in type")
            found = getattr(importlib.import_module(module_name), class_name)
        except Exception as exc:  # import errors, AttributeError, a failing module
            raise ConfigProblem(
                "type",
                f"unknown dataset type '{type_name}' ({exc}). Use a built-in type "
                f"({', '.join(BUILTIN_TYPES)}), a kedro-datasets name "
                f"({', '.join(_KEDRO_DATASETS_NAMES)}), or the dotted import path "
                "of an AbstractDataset subclass such as 'mypkg.datasets.MyDataset'.",
            ) from exc
    if not (isinstance(found, type) and issubclass(found, AbstractDataset)):
        raise ConfigProblem("type", f"'{type_name}' is not an AbstractDataset subclass")
    return found


class DatasetEntry(NamedTuple):
    """A checked catalog entry: the class, its arguments, and the versioned flag."""

    dataset_type: type
    kwargs: dict
    versioned: bool

    def create(
        self, name: str, load_version: str | None = None, save_version: str | None = None
    ) -> AbstractDataset:
        """Instantiate the dataset and name it ``name``.

        Raises:
            DatasetError: The constructor failed (the message names the entry).
        """
        kwargs = self.kwargs
        if self.versioned:
            kwargs = {**kwargs, "version": Version(load_version, save_version)}
        try:
            dataset = self.dataset_type(**kwargs)
        except Exception as exc:
            raise DatasetError(
                f"Catalog entry '{name}': {self.dataset_type.__name__} could not be "
                f"created: {exc}",
                dataset_name=name,
            ) from exc
        dataset._dataset_name = name
        return dataset


def parse_entry(config: Any) -> DatasetEntry:
    """Check one entry's type, versioning and argument names.

    Raises:
        ConfigProblem: The first problem found.
    """
    if not isinstance(config, Mapping):
        raise ConfigProblem(
            None,
            f"expected a mapping of dataset arguments, got {type(config).__name__}. "
            "Prefix the name with '_' if it is not a dataset (e.g. a shared template).",
        )
    if "type" not in config:
        raise ConfigProblem("type", "missing; every entry needs a dataset type such as 'PickleDataset'")
    kwargs = dict(config)
    dataset_type = resolve_type(kwargs.pop("type"))
    versioned = kwargs.pop("versioned", False)
    if not isinstance(versioned, bool):
        raise ConfigProblem("versioned", f"expected true or false, got {versioned!r}")
    if versioned and not issubclass(dataset_type, AbstractVersionedDataset):
        raise ConfigProblem("versioned", f"{dataset_type.__name__} does not support versioning")
    if "version" in kwargs:
        raise ConfigProblem("version", "reserved; set 'versioned: true' and pass load_versions instead")
    _check_arguments(dataset_type, kwargs, versioned)
    return DatasetEntry(dataset_type, kwargs, versioned)


class _Arguments(NamedTuple):
    """What a constructor accepts by keyword."""

    names: frozenset  # every keyword argument except ``version``
    required: tuple  # those without a default, in signature order
    takes_any: bool  # it has ``**kwargs``


@functools.lru_cache(maxsize=None)
def _arguments_of(dataset_type: type) -> _Arguments | None:
    """Read the constructor's signature once per class (None if it has none)."""
    try:
        params = inspect.signature(dataset_type).parameters
    except (TypeError, ValueError):
        return None
    by_keyword = [
        name for name, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return _Arguments(
        names=frozenset(by_keyword) - {"version"},
        required=tuple(name for name in by_keyword if params[name].default is inspect.Parameter.empty),
        takes_any=any(p.kind == p.VAR_KEYWORD for p in params.values()),
    )


def _check_arguments(dataset_type: type, kwargs: dict, versioned: bool) -> None:
    """Check ``kwargs`` against the constructor's signature (never calling it)."""
    accepted = _arguments_of(dataset_type)
    if accepted is None:  # no introspectable signature: let the call decide
        return
    unknown = sorted(key for key in kwargs if key not in accepted.names)
    if unknown and not accepted.takes_any:
        raise ConfigProblem(
            unknown[0],
            f"{dataset_type.__name__} does not take this argument; it takes: "
            f"{', '.join(sorted(accepted.names))}",
        )
    given = set(kwargs) | ({"version"} if versioned else set())
    missing = [name for name in accepted.required if name not in given]
    if missing:
        raise ConfigProblem(missing[0], f"missing; {dataset_type.__name__} requires it")


def resolve_credentials(value: Any, credentials: Mapping[str, Any], in_pattern: bool = False) -> Any:
    """Replace every ``credentials: <name>`` (at any depth) by its credentials.

    Args:
        value: A config value; only mappings are searched.
        credentials: Credentials name to credentials.
        in_pattern: Leave names holding ``{placeholders}`` for later, when
            a dataset factory pattern has filled them in.

    Raises:
        ConfigProblem: A name is not in ``credentials``.
    """
    if not isinstance(value, Mapping):
        return value
    resolved = {}
    for key, item in value.items():
        if key == "credentials" and isinstance(item, str) and not (in_pattern and "{" in item):
            if item not in credentials:
                known = ", ".join(sorted(credentials)) or "none"
                raise ConfigProblem(
                    "credentials", f"no credentials named '{item}' (known credentials: {known})"
                )
            resolved[key] = credentials[item]
        else:
            resolved[key] = resolve_credentials(item, credentials, in_pattern)
    return resolved


def dataset_from_config(
    name: str, config: Any, load_version: str | None = None, save_version: str | None = None
) -> AbstractDataset:
    """Check one catalog entry and create its dataset (``AbstractDataset.from_config``).

    Raises:
        DatasetError: The entry is invalid or the dataset could not be created.
    """
    try:
        entry = parse_entry(config)
    except ConfigProblem as problem:
        # Chain the import error, if any, so a broken user module shows its traceback.
        raise DatasetError(problem.describe(name), dataset_name=name) from problem.__cause__
    return entry.create(name, load_version, save_version)


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
        credentials = credentials or {}
        self.entries: dict[str, DatasetEntry] = {}
        patterns: list[DatasetPattern] = []
        problems: dict[str, ConfigProblem] = {}
        for name, config in (catalog_config or {}).items():
            if name.startswith("_"):
                continue
            try:
                if "{" in name or "}" in name:
                    patterns.append(DatasetPattern(name, config, credentials))
                else:
                    entry = parse_entry(config)
                    kwargs = resolve_credentials(entry.kwargs, credentials)
                    self.entries[name] = entry._replace(kwargs=kwargs)
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
