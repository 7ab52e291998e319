"""A node: one pure function wired to named datasets.

A ``Node`` says which datasets feed a function and where its results go. It
is immutable and compares by a key built from its name, inputs and outputs,
so a node can sit in sets and dict keys and pipelines can sort it. The
default name spells the wiring out (``clean([raw;params:rate]) -> [cleaned]``)
so that unnamed nodes still read well in logs and stay unique in a pipeline.

``node.run(inputs)`` is the only place a node's function is called. It checks
the inputs it was given, calls the function and turns the result into
``{dataset_name: value}``, refusing results that do not fit the declared
outputs. A generator function instead yields chunks; ``run`` then returns one
iterator of chunks per output and the runner saves them as they come.

Public names: ``Node`` and ``node`` (Kedro: ``kedro.pipeline.node``).
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections import Counter
from collections.abc import Mapping
from itertools import chain, tee
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator, Union

__all__ = ["Node", "node"]

logger = logging.getLogger(__name__)

#: What ``inputs`` and ``outputs`` may be: nothing, one name, names in call
#: (or return) order, or a mapping from argument (or result key) to name.
DatasetSpec = Union[None, str, "list[str]", "dict[str, str]"]

# Kedro's rule for node names and tags: they travel through CLIs and configs.
_VALID_LABEL = re.compile(r"[\w.-]+")
_LABEL_RULE = "letters, digits, hyphens, underscores and/or full stops"


class Node:
    """A function together with the names of the datasets it reads and writes.

    Build nodes with :func:`node`; ``Node(...)`` takes the same arguments.
    Nodes are immutable: ``tag()`` and the pipeline's namespacing return
    copies. Two nodes are equal when their names, inputs and outputs are.
    """

    __slots__ = (
        "_func", "_inputs", "_outputs", "_name", "_namespace", "_tags",
        "_confirms", "_input_names", "_output_names", "_output_keys",
        "_is_generator", "_str", "_full_name", "_key", "_hash",
    )

    def __init__(
        self,
        func: Callable[..., Any],
        inputs: DatasetSpec,
        outputs: DatasetSpec,
        *,
        name: str | None = None,
        tags: str | Iterable[str] | None = None,
        confirms: str | list[str] | None = None,
        namespace: str | None = None,
    ) -> None:
        """Validate the wiring and freeze it; see :func:`node` for arguments."""
        if not callable(func):
            raise TypeError(
                f"node() needs a function as its first argument, got "
                f"{type(func).__name__} {func!r}. Format: node(func, inputs, outputs)."
            )
        cacheable = _is_hashable(func)
        func_name, is_generator = (_cached_facts if cacheable else _facts)(func)
        input_names = _dataset_names(inputs, "inputs", func_name, name)
        output_names = _dataset_names(outputs, "outputs", func_name, name)
        if not input_names and not output_names:
            raise ValueError(
                f"Invalid {_culprit(func_name, name)}: it must have some inputs or outputs. "
                f"Format: node(func, inputs, outputs)."
            )
        if isinstance(inputs, dict):
            # Positional order is what run() and every display use.
            order = _call_order(func, func_name, 0, tuple(inputs), inputs, cacheable)
            input_names = tuple(inputs[arg] for arg in order)
        else:
            _call_order(func, func_name, len(input_names), (), inputs, cacheable)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Node name must be a str, got {type(name).__name__} {name!r}.")
        if name and not _VALID_LABEL.fullmatch(name):
            raise ValueError(f"'{name}' is not a valid node name: use only {_LABEL_RULE}.")
        if namespace is not None and not isinstance(namespace, str):
            raise TypeError(
                f"Node namespace must be a str, got {type(namespace).__name__} {namespace!r}."
            )

        self._func = func
        self._inputs = _frozen_spec(inputs)
        self._outputs = _frozen_spec(outputs)
        self._name = name or None
        self._namespace = namespace or None
        # A sorted tuple rather than a frozenset: deterministic, and ignored
        # by the cycle collector once seen, which matters at 100k nodes.
        self._tags = tuple(sorted(_as_tags(tags)))
        self._confirms = _dataset_names(confirms, "confirms", func_name, name)
        self._input_names = input_names
        self._output_names = output_names
        self._output_keys = tuple(outputs) if isinstance(outputs, dict) else ()
        self._is_generator = is_generator
        wiring = f"{func_name}({_bracketed(input_names)}) -> {_bracketed(output_names)}"
        self._str = f"{self._name}: {wiring}" if self._name else wiring
        short = self._name or wiring
        self._full_name = f"{self._namespace}.{short}" if self._namespace else short
        self._key = (self._full_name, _spec_key(inputs), _spec_key(outputs))
        self._hash = hash(self._key)
        self._check_outputs()

    def _check_outputs(self) -> None:
        outputs = self._output_names
        if len(set(outputs)) != len(outputs):
            repeated = sorted(name for name, count in Counter(outputs).items() if count > 1)
            raise ValueError(
                f"Node '{self.name}' lists output(s) {repeated} more than once; "
                f"each output must be a different dataset."
            )
        if not set(self._input_names).isdisjoint(outputs):
            both = sorted(set(self._input_names).intersection(outputs))
            raise ValueError(
                f"Node '{self.name}' has dataset(s) {both} as both input and output; "
                f"a node cannot read what it writes. Rename the output."
            )

    # -- identity -------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self is other or (self._hash == other._hash and self._key == other._key)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self._key < other._key

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        extra = f", namespace={self._namespace!r}" if self._namespace else ""
        return (
            f"Node({_readable_name(self._func)}, {self._inputs!r}, {self._outputs!r}, "
            f"name={self._name!r}{extra})"
        )

    def _arguments(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this node."""
        return {
            "func": self._func, "inputs": self._inputs, "outputs": self._outputs,
            "name": self._name, "tags": self._tags, "confirms": list(self._confirms),
            "namespace": self._namespace,
        }

    def _copy(self, **overwrite: Any) -> Node:
        """Return a new node with some constructor arguments replaced.

        Namespacing and tagging build on this; the copy is validated anew.
        """
        return Node(**{**self._arguments(), **overwrite})

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle the arguments, not the slots: the cached hash depends on the
        # hash seed, which differs in a spawned worker process.
        return (_rebuild, (self._arguments(),))

    # -- public attributes ----------------------------------------------------------

    @property
    def func(self) -> Callable[..., Any]:
        """The function the node calls."""
        return self._func

    @property
    def name(self) -> str:
        """The full name: ``namespace.`` plus the given or default name."""
        return self._full_name

    @property
    def short_name(self) -> str:
        """A display name without namespace (not guaranteed unique)."""
        if self._name:
            return self._name
        return _readable_name(self._func).replace("_", " ").title()

    @property
    def namespace(self) -> str | None:
        """The namespace, outermost first (``"a.b"``), or None."""
        return self._namespace

    @property
    def inputs(self) -> list[str]:
        """Input dataset names in the order the function receives them."""
        return list(self._input_names)

    @property
    def outputs(self) -> list[str]:
        """Output dataset names in declaration order."""
        return list(self._output_names)

    @property
    def confirms(self) -> list[str]:
        """Datasets whose ``confirm()`` the runner calls after this node."""
        return list(self._confirms)

    @property
    def tags(self) -> set[str]:
        """The node's tags (a copy)."""
        return set(self._tags)

    def tag(self, tags: str | Iterable[str]) -> Node:
        """Return a copy of this node with ``tags`` added.

        Args:
            tags: One tag or several.

        Returns:
            A new ``Node``; this one is unchanged.
        """
        return self._copy(tags=_as_tags(tags).union(self._tags))

    # -- running --------------------------------------------------------------------

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        return self.run(kwargs)

    def run(self, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call the function on ``inputs`` and name its results.

        Args:
            inputs: ``{dataset_name: value}`` holding exactly the node's inputs.

        Returns:
            ``{output_name: value}``; for a generator function,
            ``{output_name: iterator_of_chunks}``. A node without outputs
            returns ``{}`` (a generator is then run to its end).

        Raises:
            TypeError: If ``inputs`` is not a dict.
            ValueError: If inputs are missing or unexpected, or the result does
                not fit the declared outputs. Errors raised by the function
                itself propagate unchanged.
        """
        if inputs is None:
            inputs = {}
        if not isinstance(inputs, dict):
            raise TypeError(
                f"Node '{self.name}': run() takes a dict of inputs, got {type(inputs).__name__}."
            )
        expected = set(self._input_names)
        if expected != inputs.keys():
            missing = sorted(expected - inputs.keys())
            unexpected = sorted(inputs.keys() - expected)
            raise ValueError(
                f"Node '{self.name}' expected inputs {sorted(expected)}, got "
                f"{sorted(inputs)} (missing: {missing}, unexpected: {unexpected})."
            )
        logger.info("Running node: %s", self._str)
        if isinstance(self._inputs, dict):
            result = self._func(**{arg: inputs[name] for arg, name in self._inputs.items()})
        else:
            result = self._func(*(inputs[name] for name in self._input_names))
        if self._is_generator:
            return self._name_chunks(result)
        if not self._output_names:
            return {}
        if isinstance(self._outputs, str):
            return {self._outputs: result}
        return dict(zip(self._output_names, self._split(result)))

    def _split(self, result: Any) -> tuple[Any, ...]:
        """Check a multi-output result and return its values in output order."""
        if self._output_keys:
            if not isinstance(result, Mapping):
                raise ValueError(
                    f"Node '{self.name}' declares dict outputs {self._output_keys!r}, "
                    f"so its function must return a dict; it returned {type(result).__name__}."
                )
            if result.keys() != set(self._output_keys):
                missing = sorted(set(self._output_keys) - result.keys())
                extra = sorted(map(str, result.keys() - set(self._output_keys)))
                raise ValueError(
                    f"Node '{self.name}' returned a dict whose keys do not match its "
                    f"outputs (missing: {missing}, unexpected: {extra})."
                )
            return tuple(result[key] for key in self._output_keys)
        if not isinstance(result, (list, tuple)):
            raise ValueError(
                f"Node '{self.name}' declares {len(self._output_names)} outputs "
                f"{list(self._output_names)}, so its function must return a list or "
                f"tuple; it returned {type(result).__name__}."
            )
        if len(result) != len(self._output_names):
            raise ValueError(
                f"Node '{self.name}' declares {len(self._output_names)} outputs "
                f"{list(self._output_names)}, but its function returned {len(result)} values."
            )
        return tuple(result)

    def _name_chunks(self, chunks: Iterator[Any]) -> dict[str, Any]:
        """Turn a generator's chunks into one iterator of chunks per output.

        The iterators share one generator (``itertools.tee``): reading one
        output ahead of the others buffers the chunks they have not read yet.
        """
        if not self._output_names:
            for _ in chunks:  # no outputs: run the body for its side effects
                pass
            return {}
        if isinstance(self._outputs, str):
            return {self._outputs: chunks}
        # Split the first chunk now, so a wrongly shaped result fails inside run().
        try:
            first = self._split(next(chunks))
        except StopIteration:
            return {name: iter(()) for name in self._output_names}
        rows = chain([first], map(self._split, chunks))
        streams = tee(rows, len(self._output_names))
        return {
            name: map(itemgetter(position), stream)
            for position, (name, stream) in enumerate(zip(self._output_names, streams))
        }


def node(
    func: Callable[..., Any],
    inputs: DatasetSpec,
    outputs: DatasetSpec,
    *,
    name: str | None = None,
    tags: str | Iterable[str] | None = None,
    confirms: str | list[str] | None = None,
    namespace: str | None = None,
) -> Node:
    """Create a node that calls ``func`` on ``inputs`` and saves ``outputs``.

    Args:
        func: The function to run. Inputs must bind to its signature.
        inputs: None, a dataset name, a list of names passed positionally, or a
            dict ``{argument_name: dataset_name}`` passed by keyword.
            ``"params:x"``, ``"params:a.b"`` and ``"parameters"`` name
            parameters served by the catalog.
        outputs: None, a dataset name (the whole return value), a list of names
            (the function returns a list or tuple of that length) or a dict
            ``{result_key: dataset_name}`` (the function returns a dict).
        name: Optional name for logs and ``--nodes``: letters, digits, ``_``,
            ``-`` and ``.`` only. Defaults to ``func([in;puts]) -> [outputs]``.
        tags: A tag or several, for selecting nodes with ``--tags``.
        confirms: Dataset name(s) whose ``confirm()`` runs after the node.
        namespace: Prefix for the node's name, usually set by ``pipeline()``.

    Returns:
        The new ``Node``.

    Raises:
        TypeError: A non-callable ``func``, a badly typed argument, or inputs
            that do not bind to ``func``'s signature.
        ValueError: No inputs and no outputs, an empty dataset name, a bad
            name or tag, a repeated output, or an input that is also an output.
    """
    return Node(
        func, inputs, outputs, name=name, tags=tags, confirms=confirms, namespace=namespace
    )


# -- helpers --------------------------------------------------------------------------


def _rebuild(arguments: dict[str, Any]) -> Node:
    return Node(**arguments)


def _readable_name(func: Callable[..., Any]) -> str:
    """Name a callable without memory addresses, so default node names are stable."""
    if isinstance(func, functools.partial):
        return _readable_name(func.func)
    return getattr(func, "__name__", None) or type(func).__name__


def _bracketed(names: tuple[str, ...]) -> str:
    return f"[{';'.join(names)}]" if names else "None"


def _culprit(func_name: str, name: Any) -> str:
    """Name a node that is still being built, for error messages."""
    return f"node '{name}' ({func_name})" if name else f"node of '{func_name}'"


def _dataset_names(spec: Any, role: str, func_name: str, name: Any) -> tuple[str, ...]:
    """Flatten an inputs/outputs/confirms spec into dataset names, checking types."""
    if spec is None:
        return ()
    if isinstance(spec, str):
        names: tuple[Any, ...] = (spec,)
    elif isinstance(spec, list):
        names = tuple(spec)
    elif isinstance(spec, dict):
        names = tuple(spec.values())
    else:
        raise TypeError(
            f"Invalid {_culprit(func_name, name)}: '{role}' must be None, a str, a list "
            f"or a dict of dataset names, got {type(spec).__name__} {spec!r}."
        )
    for item in names:
        if not isinstance(item, str):
            raise TypeError(
                f"Invalid {_culprit(func_name, name)}: '{role}' must hold dataset names "
                f"as str, got {type(item).__name__} {item!r} in {spec!r}."
            )
        if not item:
            raise ValueError(
                f"Invalid {_culprit(func_name, name)}: '{role}' holds an empty dataset name."
            )
    return names


def _frozen_spec(spec: DatasetSpec) -> DatasetSpec:
    """Copy a list or dict spec so later changes by the caller cannot reach the node."""
    if isinstance(spec, list):
        return list(spec)
    if isinstance(spec, dict):
        return dict(spec)
    return spec


def _spec_key(spec: DatasetSpec) -> tuple[str, tuple[Any, ...]]:
    """A comparable, hashable form of a spec; dicts compare regardless of order."""
    if spec is None:
        return ("none", ())
    if isinstance(spec, str):
        return ("str", (spec,))
    if isinstance(spec, dict):
        return ("dict", tuple(sorted(spec.items())))
    return ("list", tuple(spec))


def _as_tags(tags: str | Iterable[str] | None) -> set[str]:
    """Normalise one tag or many into a set, checking each one."""
    if tags is None:
        return set()
    if isinstance(tags, str):
        tags = [tags]
    result = set()
    for tag in tags:
        if not isinstance(tag, str):
            raise TypeError(f"Tags must be str, got {type(tag).__name__} {tag!r}.")
        if not _VALID_LABEL.fullmatch(tag):
            raise ValueError(f"'{tag}' is not a valid node tag: use only {_LABEL_RULE}.")
        result.add(tag)
    return result


def _is_hashable(func: Callable[..., Any]) -> bool:
    try:
        hash(func)
    except TypeError:
        return False
    return True


def _facts(func: Callable[..., Any]) -> tuple[str, bool]:
    """A callable's display name, and whether it is a generator function."""
    return _readable_name(func), inspect.isgeneratorfunction(func)


def _call_order(
    func: Callable[..., Any],
    func_name: str,
    n_positional: int,
    keywords: tuple[str, ...],
    spec: DatasetSpec,
    cacheable: bool,
) -> tuple[str, ...]:
    """Check that the inputs bind to ``func``; return keyword names in call order.

    Results are cached per (function, call shape): pipelines often reuse one
    function for many nodes, and ``inspect`` is the slowest part of building
    a node.
    """
    bind = _cached_bind_order if cacheable else _bind_order
    try:
        return bind(func, n_positional, keywords)
    except TypeError as exc:
        expected = list(inspect.signature(func, follow_wrapped=False).parameters)
        raise TypeError(
            f"Inputs of '{func_name}' function expected {expected}, but got {spec!r}: {exc}."
        ) from exc


def _bind_order(
    func: Callable[..., Any], n_positional: int, keywords: tuple[str, ...]
) -> tuple[str, ...]:
    try:
        signature = inspect.signature(func, follow_wrapped=False)
    except (TypeError, ValueError):  # some builtins have no signature: trust the user
        return keywords
    bound = signature.bind(*range(n_positional), **{key: key for key in keywords})
    return tuple(bound.args) + tuple(bound.kwargs.values()) if keywords else ()


_cached_bind_order = functools.lru_cache(maxsize=1024)(_bind_order)
_cached_facts = functools.lru_cache(maxsize=1024)(_facts)
