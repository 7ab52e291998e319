"""Nodes: one function wired to named datasets (Kedro: ``kedro.pipeline.node``).

``node(func, inputs, outputs)`` checks the wiring against ``func``'s signature
and freezes it; ``Node.run`` is the one place the function is called. Unnamed
nodes are named by their wiring, ``clean([raw;params:rate]) -> [cleaned]``.
``data@json`` and ``data@text`` are two catalog entries (transcodings) of one
dataset ``data``, its *base* name, by which pipelines link nodes.

Public names: ``Node``, ``node``, ``ArgumentTypeError``, ``TRANSCODING_SEPARATOR``,
``transcode_split``, ``strip_transcoding``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import warnings
from collections.abc import Iterator, Mapping
from itertools import chain, tee
from operator import itemgetter
from typing import Any, Callable, Iterable, Union

__all__ = ["TRANSCODING_SEPARATOR", "ArgumentTypeError", "Node", "node", "strip_transcoding",
           "transcode_split"]

logger = logging.getLogger(__name__)

DatasetSpec = Union[None, str, "list[str]", "dict[str, str]"]  # node() says what each form means
TRANSCODING_SEPARATOR = "@"
_LABEL = re.compile(r"[\w.-]+")  # Kedro's rule for names and tags: they travel through CLIs


class ArgumentTypeError(TypeError, ValueError):
    """A badly typed argument; also a ``ValueError``, which Kedro raises and its users catch."""


def transcode_split(name: str) -> tuple[str, str]:
    """Split ``"base@format"`` into ``("base", "format")``; ValueError for more than one ``@``."""
    base, _, suffix = name.partition(TRANSCODING_SEPARATOR)
    if TRANSCODING_SEPARATOR in suffix:
        raise ValueError(f"Expected maximum 1 transcoding separator, found "
                         f"{name.count('@')} instead: '{name}'.")
    return base, suffix


def strip_transcoding(name: str) -> str:
    """The dataset name without its ``@format`` part."""
    return transcode_split(name)[0] if TRANSCODING_SEPARATOR in name else name


class Node:
    """A function and the names of the datasets it reads and writes; build it with :func:`node`.

    Immutable but for ``func``, which hooks may replace to wrap it (as Kedro allows).
    """

    __slots__ = ("_func", "_inputs", "_outputs", "_name", "_namespace", "_tags", "_confirms",
                 "_input_names", "_output_names", "_input_bases", "_output_bases",
                 "_str", "_full_name", "_key", "_hash")

    def __init__(self, func: Callable[..., Any], inputs: DatasetSpec, outputs: DatasetSpec, *,
                 name: str | None = None, tags: str | Iterable[str] | None = None,
                 confirms: str | list[str] | None = None, namespace: str | None = None) -> None:
        """Check the wiring and freeze it; :func:`node` documents the arguments."""
        if not callable(func):
            raise ArgumentTypeError(_definition_error(
                f"first argument must be a function, not {type(func).__name__} {func!r}", None, name))
        func_name = _readable_name(func)
        input_names = _dataset_names(inputs, "inputs", func_name, name)
        output_names = _dataset_names(outputs, "outputs", func_name, name)
        if not input_names and not output_names:
            raise ValueError(
                _definition_error("it must have some 'inputs' or 'outputs'", func_name, name))
        call_order = _call_order(func, func_name, inputs, len(input_names))
        if call_order:  # dict inputs: shown and passed in the signature's order
            input_names = tuple(inputs[arg] for arg in call_order)  # type: ignore[index]
        if name is not None and name != "":
            _check_label(name, "name")
        if namespace is not None and not isinstance(namespace, str):
            raise ArgumentTypeError(
                f"Node namespace must be a str, got {type(namespace).__name__} {namespace!r}.")
        self._func = func
        # Copies: later edits of the caller's list or dict must not reach the node.
        self._inputs = inputs.copy() if isinstance(inputs, (list, dict)) else inputs
        self._outputs = outputs.copy() if isinstance(outputs, (list, dict)) else outputs
        self._name, self._namespace = name or None, namespace or None
        self._tags = as_tags(tags)
        self._confirms = _dataset_names(confirms, "confirms", func_name, name)
        self._input_names, self._output_names = input_names, output_names
        self._input_bases, self._output_bases = _bases(input_names), _bases(output_names)
        wiring = f"{func_name}({_bracketed(input_names)}) -> {_bracketed(output_names)}"
        self._str = f"{name}: {wiring}" if self._name else wiring
        short = self._name or wiring
        self._full_name = f"{namespace}.{short}" if self._namespace else short
        self._key = (self._full_name, _spec_key(inputs), _spec_key(outputs))
        self._hash = hash(self._key)
        outputs = self._output_bases
        if len(outputs) > 1 and len(set(outputs)) < len(outputs):
            repeated = sorted({each for each in outputs if outputs.count(each) > 1})
            raise ValueError(f"Failed to create node '{self.name}' due to duplicate output(s) "
                             f"{repeated}: node outputs must be unique.")
        if outputs and self._input_bases and not set(outputs).isdisjoint(self._input_bases):
            raise ValueError(
                f"Failed to create node '{self.name}': a node cannot have the same inputs and "
                f"outputs even if they are transcoded: {sorted(set(outputs) & set(self._input_bases))}. "
                f"Rename the output.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self is other or (self._hash == other._hash and self._key == other._key)

    def __lt__(self, other: object) -> bool:
        return self._key < other._key if isinstance(other, Node) else NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:  # Kedro's form: Node(add, ['a', 'b'], 'sum', None)
        return f"Node({self._func_name}, {self._inputs!r}, {self._outputs!r}, {self._name!r})"

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:  # unpickling
        for slot, value in state[1].items():
            setattr(self, slot, value)
        self._hash = hash(self._key)  # a spawned worker has another hash seed

    def _copy(self, **overwrite: Any) -> Node:
        """A new node with some constructor arguments replaced, checked anew (Kedro's name)."""
        return Node(**{"func": self._func, "inputs": self._inputs, "outputs": self._outputs,
                       "name": self._name, "tags": self._tags, "confirms": list(self._confirms),
                       "namespace": self._namespace, **overwrite})

    @property
    def func(self) -> Callable[..., Any]:
        """The function the node calls; setting it keeps the name, wiring and hash."""
        return self._func

    @func.setter
    def func(self, func: Callable[..., Any]) -> None:
        if not callable(func):
            raise ArgumentTypeError(
                f"Node '{self.name}': func must be callable, got {type(func).__name__} {func!r}.")
        self._func = func

    _func_name = property(lambda self: _readable_name(self._func))  # Kedro's hook examples read it

    @property
    def name(self) -> str:
        """The full name: ``namespace.`` and the given or default name."""
        return self._full_name

    @property
    def short_name(self) -> str:
        """A display name without namespace (not guaranteed unique)."""
        return self._name or self._func_name.replace("_", " ").title()

    @property
    def namespace(self) -> str | None:
        """The namespace, outermost first (``"a.b"``), or None."""
        return self._namespace

    @property
    def namespace_prefixes(self) -> list[str]:
        """Every enclosing namespace, outermost first: ``"a.b"`` gives ``["a", "a.b"]``."""
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
        """Return a copy of this node with ``tags`` (one or several) added."""
        return self._copy(tags=[*self._tags, *([tags] if isinstance(tags, str) else tags)])

    def __call__(self, inputs: dict[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Run the node: ``node(dict(a=2, b=3))`` or ``node(a=2, b=3)`` (both Kedro forms)."""
        if inputs is not None and kwargs:
            raise TypeError(f"Node '{self.name}': pass the inputs as one dict or as keywords, not both.")
        return self.run(kwargs if inputs is None else inputs)

    def run(self, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call the function on ``inputs`` (``{dataset_name: value}``) and name its results.

        Returns ``{output_name: value}``; for a function that returns an iterator
        (seen when it returns, as in Kedro), ``{output_name: iterator_of_chunks}``.
        A node without outputs returns ``{}``, warning if a value is lost.

        Raises:
            ArgumentTypeError: ``inputs`` is not a dict.
            ValueError: Inputs are missing or unexpected, or the result does not
                fit the outputs. The function's own errors propagate unchanged.
        """
        inputs = {} if inputs is None else inputs
        if not isinstance(inputs, dict):
            raise ArgumentTypeError(
                f"Node '{self.name}': run() takes a dict of inputs, got {type(inputs).__name__}.")
        expected = set(self._input_names)
        if inputs.keys() != expected:
            raise ValueError(
                f"Node '{self.name}' expected inputs {sorted(expected)}, got {sorted(inputs)} "
                f"(missing: {sorted(expected - inputs.keys())}, "
                f"unexpected: {sorted(inputs.keys() - expected)}).")
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
        if isinstance(self._outputs, dict):
            keys = tuple(self._outputs)
            if not isinstance(result, Mapping):
                raise ValueError(f"{failed}: it declares dict outputs {keys!r}, so its function "
                                 f"must return a dict; it returned {type(result).__name__}.")
            if result.keys() != set(keys):
                raise ValueError(f"{failed}: the keys of the returned dict do not match its outputs "
                                 f"(missing: {sorted(set(keys) - result.keys())}, "
                                 f"unexpected: {sorted(map(str, result.keys() - set(keys)))}).")
            return tuple(result[key] for key in keys)
        declared = f"{failed}: it declares {len(self._output_names)} outputs {list(self._output_names)}"
        if not isinstance(result, (list, tuple)):
            raise ValueError(f"{declared}, so its function must return a list or tuple; "
                             f"it returned {type(result).__name__}.")
        if len(result) != len(self._output_names):
            raise ValueError(f"{declared}, but its function returned {len(result)} values.")
        return tuple(result)

    def _warn_if_lost(self, result: Any) -> None:
        """Run an iterator to its end, for its side effects; warn if anything but None came back."""
        if isinstance(result, Iterator):
            count = sum(chunk is not None for chunk in result)
            lost = f"an iterator of {count} value(s)" if count else None
        else:
            lost = None if result is None else f"a value ({type(result).__name__})"
        if lost:
            warnings.warn(
                f"Node '{self.name}' declares no outputs (outputs=None), but its function returned "
                f"{lost}: the value is lost. Name an output to save it, e.g. "
                f"node({self._func_name}, ..., outputs=\"result\").", UserWarning, stacklevel=3)

    def _name_chunks(self, chunks: Iterator[Any]) -> dict[str, Any]:
        """One iterator of chunks per output; reading one ahead buffers the others (``tee``)."""
        if isinstance(self._outputs, str):
            return {self._outputs: chunks}
        try:  # split the first chunk now, so a wrongly shaped result fails inside run()
            first = self._split(next(chunks))
        except StopIteration:
            return {name: iter(()) for name in self._output_names}
        streams = tee(chain([first], map(self._split, chunks)), len(self._output_names))
        return {name: map(itemgetter(position), stream)
                for position, (name, stream) in enumerate(zip(self._output_names, streams))}


def node(func: Callable[..., Any], inputs: DatasetSpec, outputs: DatasetSpec, *,
         name: str | None = None, tags: str | Iterable[str] | None = None,
         confirms: str | list[str] | None = None, namespace: str | None = None) -> Node:
    """Create a node that calls ``func`` on ``inputs`` and saves ``outputs``.

    Args:
        func: The function to run; the inputs must bind to its signature.
        inputs: None, a dataset name, a list of names passed positionally, or
            ``{argument: dataset}`` passed by keyword (``params:x`` and
            ``parameters`` are parameters).
        outputs: None, a name for the return value, a list of names (a list or
            tuple is returned) or ``{result_key: dataset}`` (a dict is returned).
        name: Letters, digits, ``_``, ``-``, ``.``; by default ``func([a;b]) -> [c]``.
        tags: A tag or several. confirms: Datasets to ``confirm()`` after the node.
        namespace: A prefix for the name, usually set by ``pipeline()``.

    Raises:
        TypeError: A non-callable ``func`` or a badly typed argument (ArgumentTypeError),
            or inputs that do not bind to ``func``'s signature.
        ValueError: No inputs or outputs, an empty dataset name, a bad name or
            tag, a repeated output, or an input that is also an output.
    """
    return Node(func, inputs, outputs, name=name, tags=tags, confirms=confirms, namespace=namespace)


# -- checking and normalising node()'s arguments -------------------------------------
def _dataset_names(spec: Any, role: str, func_name: str, name: Any) -> tuple[str, ...]:
    """Flatten an inputs/outputs/confirms spec into its dataset names, checking each."""
    if isinstance(spec, str) and spec:  # the common case, kept cheap
        return (spec,)
    if not isinstance(spec, (str, list, dict, type(None))):
        raise ArgumentTypeError(_definition_error(
            f"'{role}' type must be one of [str, list, dict, None], not {type(spec).__name__} {spec!r}",
            func_name, name))
    values = spec.values() if isinstance(spec, dict) else [spec] if isinstance(spec, str) else spec
    names = tuple(values or ())
    for each in names:
        if not isinstance(each, str):
            raise ArgumentTypeError(_definition_error(
                f"names in '{role}' must be str, but {type(each).__name__} {each!r} is in {spec!r}",
                func_name, name))
        if not each:
            raise ValueError(_definition_error(f"'{role}' holds an empty dataset name", func_name, name))
    return names


def _check_label(label: Any, kind: str) -> None:
    """Refuse a node name or tag that is not a str of letters, digits, ``_``, ``-``, ``.``."""
    if not isinstance(label, str):
        raise ArgumentTypeError(f"Node {kind} must be a str, got {type(label).__name__} {label!r}.")
    if not _LABEL.fullmatch(label):
        raise ValueError(f"'{label}' is not a valid node {kind}. It must contain only letters, "
                         f"digits, hyphens, underscores and/or fullstops.")


def as_tags(tags: str | Iterable[str] | None) -> tuple[str, ...]:
    """Check one tag or several; return them sorted, once each (deterministic, and cheap to keep)."""
    tags = () if tags is None else (tags,) if isinstance(tags, str) else tuple(tags)
    for tag in tags:
        _check_label(tag, "tag")
    return tags if len(tags) < 2 else tuple(sorted(set(tags)))


def _definition_error(problem: str, func_name: str | None, name: Any) -> str:
    """Kedro's message for a node that cannot be built, naming the culprit."""
    culprit = " ".join(filter(None, ("node", name and f"'{name}'", func_name and f"of '{func_name}'")))
    culprit = f" ({culprit})" if culprit != "node" else ""
    return (f"Invalid Node definition: {problem}{culprit}.\n"
            f"Format should be: node(function, inputs, outputs)")


def _readable_name(func: Callable[..., Any]) -> str:
    """Name a callable without memory addresses, so default node names are stable."""
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__name__", None) or type(func).__name__


def _bracketed(names: tuple[str, ...]) -> str:
    return f"[{';'.join(names)}]" if names else "None"


def _bases(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names without ``@format``: ``names`` itself when none is transcoded (one C-level scan)."""
    return tuple(map(strip_transcoding, names)) if TRANSCODING_SEPARATOR in "".join(names) else names


def _spec_key(spec: DatasetSpec) -> tuple[str, tuple[Any, ...]]:
    """A hashable, comparable spec: ``"a"`` differs from ``["a"]``; dict order does not count."""
    if isinstance(spec, str):  # the common case, kept cheap
        return ("str", (spec,))
    return (type(spec).__name__, tuple(sorted(spec.items()) if isinstance(spec, dict) else spec or ()))


def _call_order(func: Callable, func_name: str, inputs: DatasetSpec, count: int) -> tuple[str, ...]:
    """Check the inputs bind to ``func``'s signature; for dict inputs, the keys in call order."""
    keywords = tuple(inputs) if isinstance(inputs, dict) else ()
    bind = _bound if type(func).__hash__ is not None else _bound.__wrapped__  # the cache hashes
    try:
        return bind(func, 0 if keywords else count, keywords)
    except TypeError as exc:
        expected = list(inspect.signature(func, follow_wrapped=False).parameters)
        raise TypeError(
            f"Inputs of '{func_name}' function expected {expected}, but got {inputs!r}: {exc}.") from exc


@functools.lru_cache(maxsize=1024)  # inspect is the slowest part of building a node; functions recur
def _bound(func: Callable[..., Any], positional: int, keywords: tuple[str, ...]) -> tuple[str, ...]:
    try:
        signature = inspect.signature(func, follow_wrapped=False)
    except (TypeError, ValueError):  # some builtins have no signature: trust the user
        return keywords
    bound = signature.bind(*range(positional), **dict(zip(keywords, keywords)))
    return (*bound.args, *bound.kwargs.values()) if keywords else ()
