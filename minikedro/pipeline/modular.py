"""Modular pipelines: reuse one pipeline under a namespace, with renamed edges.

``pipeline(pipe, namespace="cars")`` copies every node of ``pipe`` so that
node names and dataset names gain the prefix ``cars.``. Single parameters gain
it too (``params:rate`` becomes ``params:cars.rate``, read from a ``cars:``
section of the parameters), while ``parameters`` stays as it is. The
``inputs``, ``outputs`` and ``parameters`` arguments name what keeps its name
(a str, or a list or set of str) or gets a chosen one (a dict ``{old: new}``):
they are the edges that connect the copy to the rest of the project.

The renaming rule, applied to each dataset name of each node, in order:

1. a name listed in ``inputs``/``outputs``/``parameters`` takes its mapped name;
2. ``parameters`` is left alone;
3. a transcoded name ``x@fmt`` whose base ``x`` is listed becomes ``<mapped>@fmt``;
4. with a namespace, ``params:x`` becomes ``params:<namespace>.x``;
5. with a namespace, any other name ``x`` becomes ``<namespace>.x``.

``prefix_datasets_with_namespace=False`` skips rules 4 and 5: node names are
still namespaced (for ``--namespaces`` and deployment groups), dataset and
parameter names are not.

Public names: ``pipeline`` (Kedro: ``kedro.pipeline.modular_pipeline``, and
the matching arguments of ``Pipeline`` in Kedro 1.x).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from ._node_args import ArgumentTypeError
from .node import Node
from .pipeline import Pipeline, PipelineError
from .transcoding import strip_transcoding, transcode_split

__all__ = ["pipeline"]


def pipeline(
    pipe: Iterable[Node | Pipeline] | Pipeline,
    *,
    inputs: str | Iterable[str] | dict[str, str] | None = None,
    outputs: str | Iterable[str] | dict[str, str] | None = None,
    parameters: str | Iterable[str] | dict[str, str] | None = None,
    tags: str | Iterable[str] | None = None,
    namespace: str | None = None,
    prefix_datasets_with_namespace: bool = True,
) -> Pipeline:
    """Create a ``Pipeline``, optionally namespaced and with renamed inputs and outputs.

    Args:
        pipe: Nodes and/or pipelines to copy.
        inputs: Free inputs that keep their name (str, list, set) or are
            renamed (``{old: new}``). Only free inputs may be listed.
        outputs: Outputs (free or intermediate) that keep their name or are
            renamed. Free inputs may not be listed.
        parameters: Parameters that keep their name or are renamed, with or
            without the ``params:`` prefix.
        tags: Tags added to every node.
        namespace: Prefix for node names, dataset names and single parameters
            not listed above.
        prefix_datasets_with_namespace: False to namespace only the node
            names, leaving dataset and parameter names as they are.

    Returns:
        A new ``Pipeline``; ``pipe`` is unchanged.

    Raises:
        TypeError: A mapping argument has the wrong type.
        PipelineError: A mapping names a dataset the pipeline does not have,
            a parameter under ``inputs``/``outputs``, an intermediate dataset
            under ``inputs``, or a free input under ``outputs``.
    """
    return Pipeline(
        pipe, inputs=inputs, outputs=outputs, parameters=parameters, tags=tags,
        namespace=namespace, prefix_datasets_with_namespace=prefix_datasets_with_namespace,
    )


def _namespaced_nodes(
    nodes: Iterable[Node | Pipeline] | Pipeline,
    *,
    inputs: Any,
    outputs: Any,
    parameters: Any,
    tags: Any,
    namespace: str | None,
    prefix_datasets: bool = True,
) -> list[Node]:
    """Return copies of the nodes with names rewritten; ``Pipeline`` calls this."""
    if namespace is not None and not isinstance(namespace, str):
        raise ArgumentTypeError(
            f"namespace must be a str, got {type(namespace).__name__} {namespace!r}."
        )
    source = Pipeline(nodes, tags=tags)
    input_map = _mapping(inputs, "inputs")
    output_map = _mapping(outputs, "outputs")
    param_map = {
        _as_param(old): old if old == "parameters" else _as_param(new)  # never renamed
        for old, new in _mapping(parameters, "parameters").items()
    }
    _check_mappings(source, input_map, output_map, param_map)
    renames = {**input_map, **output_map, **param_map}
    return [_renamed(each, renames, namespace, prefix_datasets) for each in source.nodes]


def _mapping(names: Any, argument: str) -> dict[str, str]:
    """Normalise a str, an iterable of str or a dict into ``{old_name: new_name}``."""
    if names is None:
        return {}
    if isinstance(names, str):
        names = {names: names}
    elif not isinstance(names, dict):
        if not isinstance(names, Iterable):
            raise ArgumentTypeError(
                f"'{argument}' must be a str, a list or set of str, or a dict of str to str; "
                f"got {type(names).__name__} {names!r}."
            )
        names = {name: name for name in names}
    for old, new in names.items():
        if not isinstance(old, str) or not isinstance(new, str):
            raise ArgumentTypeError(
                f"'{argument}' must map dataset names (str) to dataset names (str); "
                f"got {old!r}: {new!r}."
            )
    return dict(names)


def _as_param(name: str) -> str:
    """Write a parameter name the way nodes read it (``params:x``, or ``parameters``)."""
    if name == "parameters" or name.startswith("params:"):
        return name
    return f"params:{name}"


def _is_parameter(name: str) -> bool:
    return name == "parameters" or name.startswith("params:")


def _check_mappings(
    source: Pipeline,
    input_map: dict[str, str],
    output_map: dict[str, str],
    param_map: dict[str, str],
) -> None:
    """Refuse mappings that do not fit ``source``, naming every culprit.

    Transcoded datasets may be named by their base (``data`` for ``data@json``).
    """
    known = source.datasets()
    known |= {strip_transcoding(name) for name in known}
    unknown = sorted((input_map.keys() | output_map.keys() | param_map.keys()) - known)
    if unknown:
        close = sorted({m for u in unknown for m in difflib.get_close_matches(u, known)})
        hint = f" - did you mean one of these instead: {', '.join(close)}" if close else ""
        raise PipelineError(
            f"Failed to map datasets and/or parameters onto the nodes provided: "
            f"{', '.join(unknown)}{hint}"
        )
    params = sorted(name for name in [*input_map, *output_map] if _is_parameter(name))
    if params:
        raise PipelineError(
            f"Parameters should be specified in the 'parameters' argument, not in "
            f"'inputs' or 'outputs': {', '.join(params)}"
        )
    free_inputs = {strip_transcoding(name) for name in source.inputs()}
    produced = sorted(name for name in input_map if strip_transcoding(name) not in free_inputs)
    if produced:
        raise PipelineError(
            f"Inputs must not be outputs from another node in the same pipeline: "
            f"{', '.join(produced)}. List them under 'outputs' to expose them."
        )
    not_produced = sorted(name for name in output_map if strip_transcoding(name) in free_inputs)
    if not_produced:
        raise PipelineError(
            f"All outputs must be generated by some node within the pipeline: "
            f"{', '.join(not_produced)} are free inputs. List them under 'inputs'."
        )


def _renamed(
    original: Node, renames: dict[str, str], namespace: str | None, prefix_datasets: bool
) -> Node:
    """Copy one node with every dataset name rewritten and the namespace nested."""

    def rename(name: str) -> str:
        if name in renames:
            return renames[name]
        if name == "parameters":
            return name
        base, suffix = transcode_split(name)
        if suffix and base in renames:
            return f"{renames[base]}@{suffix}"
        if not (namespace and prefix_datasets):
            return name
        if name.startswith("params:"):
            return f"params:{namespace}.{name[len('params:'):]}"
        return f"{namespace}.{name}"

    def rename_spec(spec: Any) -> Any:
        if spec is None:
            return None
        if isinstance(spec, str):
            return rename(spec)
        if isinstance(spec, dict):
            return {key: rename(value) for key, value in spec.items()}
        return [rename(value) for value in spec]

    nested = original.namespace
    if namespace:
        nested = f"{namespace}.{nested}" if nested else namespace
    return original._copy(
        inputs=rename_spec(original._inputs),
        outputs=rename_spec(original._outputs),
        confirms=rename_spec(list(original._confirms)),
        namespace=nested,
    )
