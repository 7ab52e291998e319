"""A node: one pure function wired to named datasets.

A ``Node`` says which datasets feed a function and where its results go. It
compares by a key built from its name, inputs and outputs, so a node can sit
in sets and dict keys and pipelines can sort it. The default name spells the
wiring out (``clean([raw;params:rate]) -> [cleaned]``) so that unnamed nodes
still read well in logs and stay unique in a pipeline.

``node.run(inputs)`` is the only place a node's function is called. It checks
the inputs it was given, calls the function and turns the result into
``{dataset_name: value}``, refusing results that do not fit the declared
outputs. A function that returns an iterator (a generator, or ``iter(...)``)
yields chunks instead: whether it does is seen when it returns, as in Kedro,
so a generator behind a decorator or a hook's wrapper still streams. ``run``
then returns one iterator of chunks per output and the runner saves them as
they come.

Nodes are immutable except for ``func``, which hooks may replace (Kedro
allows it, to wrap a node's function); the name and wiring, and so the hash,
stay as they were.

Public names: ``Node`` and ``node`` (Kedro: ``kedro.pipeline.node``).
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from itertools import chain, tee
from operator import itemgetter
from typing import Any, Callable, Iterable

from ._node_args import (
    ArgumentTypeError,
    DatasetSpec,
    as_tags,
    bracketed,
    call_order,
    check_label,
    dataset_names,
    definition_error,
    frozen_spec,
    function_facts,
    readable_name,
    spec_key,
)
from .transcoding import bases_of

__all__ = ["Node", "node"]

logger = logging.getLogger(__name__)


class Node:
    """A function together with the names of the datasets it reads and writes.

    Build nodes with :func:`node`; ``Node(...)`` takes the same arguments.
    ``tag()`` and the pipeline's namespacing return copies. Two nodes are
    equal when their names, inputs and outputs are.
    """

    __slots__ = (
        "_func", "_inputs", "_outputs", "_name", "_namespace", "_tags", "_confirms",
        "_input_names", "_output_names", "_input_bases", "_output_bases", "_output_keys",
        "_str", "_full_name", "_key", "_hash",
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
            raise ArgumentTypeError(definition_error(
                f"first argument must be a function, not {type(func).__name__} {func!r}",
                None, name,
            ))
        func_name, cacheable = function_facts(func)
        input_names = dataset_names(inputs, "inputs", func_name, name)
        output_names = dataset_names(outputs, "outputs", func_name, name)
        if not input_names and not output_names:
            raise ValueError(definition_error(
                "it must have some 'inputs' or 'outputs'", func_name, name
            ))
        order = call_order(func, func_name, inputs, len(input_names), cacheable)
        if isinstance(inputs, dict):
            # Positional order is what run() and every display use.
            input_names = tuple(inputs[arg] for arg in order)
        if name is not None and name != "":
            check_label(name, "name")
        if namespace is not None and not isinstance(namespace, str):
            raise ArgumentTypeError(
                f"Node namespace must be a str, got {type(namespace).__name__} {namespace!r}."
            )

        self._func = func
        self._inputs = frozen_spec(inputs)
        self._outputs = frozen_spec(outputs)
        self._name = name or None
        self._namespace = namespace or None
        # A sorted tuple rather than a frozenset: deterministic, and ignored
        # by the cycle collector once seen, which matters at 100k nodes.
        self._tags = tuple(sorted(as_tags(tags)))
        self._confirms = dataset_names(confirms, "confirms", func_name, name)
        self._input_names = input_names
        self._output_names = output_names
        # The names the pipeline links by: without any "@format" suffix.
        self._input_bases = bases_of(input_names)
        self._output_bases = bases_of(output_names)
        self._output_keys = tuple(outputs) if isinstance(outputs, dict) else ()
        wiring = f"{func_name}({bracketed(input_names)}) -> {bracketed(output_names)}"
        self._str = f"{self._name}: {wiring}" if self._name else wiring
        short = self._name or wiring
        self._full_name = f"{self._namespace}.{short}" if self._namespace else short
        self._key = (self._full_name, spec_key(inputs), spec_key(outputs))
        self._hash = hash(self._key)
        self._check_outputs()

    def _check_outputs(self) -> None:
        outputs = self._output_bases
        if len(set(outputs)) != len(outputs):
            repeated = sorted(name for name, count in Counter(outputs).items() if count > 1)
            raise ValueError(
                f"Failed to create node '{self.name}' due to duplicate output(s) "
                f"{repeated}: node outputs must be unique."
            )
        if not set(self._input_bases).isdisjoint(outputs):
            both = sorted(set(self._input_bases).intersection(outputs))
            raise ValueError(
                f"Failed to create node '{self.name}': a node cannot have the same inputs "
                f"and outputs even if they are transcoded: {both}. Rename the output."
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
        # Kedro's exact form, e.g. Node(add, ['a', 'b'], 'sum', None).
        return (
            f"Node({readable_name(self._func)}, {self._inputs!r}, {self._outputs!r}, "
            f"{self._name!r})"
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
        # Every slot but the cached hash, which depends on the hash seed (it
        # differs in a spawned worker). Rebuilding from the constructor's
        # arguments instead would rename an unnamed node whose func was swapped.
        state = {slot: getattr(self, slot) for slot in self.__slots__ if slot != "_hash"}
        return (_restore, (state,))

    # -- public attributes ----------------------------------------------------------

    @property
    def func(self) -> Callable[..., Any]:
        """The function the node calls.

        Setting it (a hook wrapping the function, as Kedro allows) keeps the
        node's name, wiring and hash: ``str(node)`` still shows the original
        function's name.
        """
        return self._func

    @func.setter
    def func(self, func: Callable[..., Any]) -> None:
        if not callable(func):
            raise ArgumentTypeError(
                f"Node '{self.name}': func must be callable, got {type(func).__name__} {func!r}."
            )
        self._func = func

    @property
    def _func_name(self) -> str:
        """The function's name as ``str(node)`` shows it; Kedro's hook examples read it."""
        return function_facts(self._func)[0]

    @property
    def name(self) -> str:
        """The full name: ``namespace.`` plus the given or default name."""
        return self._full_name

    @property
    def short_name(self) -> str:
        """A display name without namespace (not guaranteed unique)."""
        if self._name:
            return self._name
        return readable_name(self._func).replace("_", " ").title()

    @property
    def namespace(self) -> str | None:
        """The namespace, outermost first (``"a.b"``), or None."""
        return self._namespace

    @property
    def namespace_prefixes(self) -> list[str]:
        """Every namespace the node sits in, outermost first: ``"a.b"`` gives ``["a", "a.b"]``.

        Empty for a node without a namespace (as Kedro's docstring says; its
        code returns ``[""]``).
        """
        parts = self._namespace.split(".") if self._namespace else []
        return [".".join(parts[: depth + 1]) for depth in range(len(parts))]

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
        return self._copy(tags=as_tags(tags).union(self._tags))

    # -- running --------------------------------------------------------------------

    def __call__(self, inputs: dict[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Run the node: ``node(dict(a=2, b=3))`` or ``node(a=2, b=3)`` (both Kedro forms)."""
        if inputs is not None and kwargs:
            raise TypeError(
                f"Node '{self.name}': pass the inputs as one dict or as keywords, not both."
            )
        return self.run(kwargs if inputs is None else inputs)

    def run(self, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call the function on ``inputs`` and name its results.

        Args:
            inputs: ``{dataset_name: value}`` holding exactly the node's inputs.

        Returns:
            ``{output_name: value}``; for a function that returns an
            iterator, ``{output_name: iterator_of_chunks}``. A node without
            outputs returns ``{}`` (an iterator is then run to its end); if
            its function returned something all the same, a ``UserWarning``
            says the value is lost.

        Raises:
            ArgumentTypeError: ``inputs`` is not a dict (a TypeError and a
                ValueError).
            ValueError: Inputs are missing or unexpected, or the result does
                not fit the declared outputs. Errors raised by the function
                itself propagate unchanged.
        """
        if inputs is None:
            inputs = {}
        if not isinstance(inputs, dict):
            raise ArgumentTypeError(
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
        if not self._output_names:
            self._warn_if_lost(result)
            return {}
        if isinstance(result, Iterator):  # str, bytes, list, dict are data, not streams
            return self._name_chunks(result)
        if isinstance(self._outputs, str):
            return {self._outputs: result}
        return dict(zip(self._output_names, self._split(result)))

    def _split(self, result: Any) -> tuple[Any, ...]:
        """Check a multi-output result and return its values in output order."""
        failed = f"Failed to save outputs of node '{self.name}'"
        if self._output_keys:
            if not isinstance(result, Mapping):
                raise ValueError(
                    f"{failed}: it declares dict outputs {self._output_keys!r}, so its "
                    f"function must return a dict; it returned {type(result).__name__}."
                )
            if result.keys() != set(self._output_keys):
                missing = sorted(set(self._output_keys) - result.keys())
                extra = sorted(map(str, result.keys() - set(self._output_keys)))
                raise ValueError(
                    f"{failed}: the keys of the returned dict do not match its "
                    f"outputs (missing: {missing}, unexpected: {extra})."
                )
            return tuple(result[key] for key in self._output_keys)
        if not isinstance(result, (list, tuple)):
            raise ValueError(
                f"{failed}: it declares {len(self._output_names)} outputs "
                f"{list(self._output_names)}, so its function must return a list or "
                f"tuple; it returned {type(result).__name__}."
            )
        if len(result) != len(self._output_names):
            raise ValueError(
                f"{failed}: it declares {len(self._output_names)} outputs "
                f"{list(self._output_names)}, but its function returned {len(result)} values."
            )
        return tuple(result)

    def _warn_if_lost(self, result: Any) -> None:
        """Run an iterator to its end; warn if the function gave anything but None."""
        if isinstance(result, Iterator):  # run the body for its side effects
            values = sum(chunk is not None for chunk in result)
            lost = f"an iterator of {values} value(s)" if values else None
        else:
            lost = None if result is None else f"a value ({type(result).__name__})"
        if lost:
            warnings.warn(
                f"Node '{self.name}' declares no outputs (outputs=None), but its function "
                f"returned {lost}: the value is lost. Name an output "
                f"to save it, e.g. node({self._func_name}, ..., outputs=\"result\").",
                UserWarning,
                stacklevel=3,
            )

    def _name_chunks(self, chunks: Iterator[Any]) -> dict[str, Any]:
        """Turn an iterator's chunks into one iterator of chunks per output.

        The iterators share one source (``itertools.tee``): reading one
        output ahead of the others buffers the chunks they have not read yet.
        """
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
            parameters served by the catalog; ``"name@format"`` is a
            transcoded dataset (see ``minikedro.pipeline.transcoding``).
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
        ArgumentTypeError: A non-callable ``func`` or a badly typed argument
            (both a TypeError and a ValueError, the latter as in Kedro).
        TypeError: Inputs that do not bind to ``func``'s signature.
        ValueError: No inputs and no outputs, an empty dataset name, a bad
            name or tag, a repeated output, or an input that is also an output.
    """
    return Node(
        func, inputs, outputs, name=name, tags=tags, confirms=confirms, namespace=namespace
    )


def _restore(state: dict[str, Any]) -> Node:
    restored = object.__new__(Node)
    for slot, value in state.items():
        setattr(restored, slot, value)
    restored._hash = hash(restored._key)
    return restored
