"""Tests for minikedro.pipeline.node: building, naming, comparing and running nodes."""

from __future__ import annotations

import functools
import logging

import pytest

from minikedro.pipeline import Node, node


def identity(x):
    return x


def add(a, b):
    return a + b


def constant():
    return 42


def split(data):
    return data[0], data[1]


def named_parts(data):
    return {"head": data[0], "tail": data[1:]}


def keyword_only(a, *, b):
    return a - b


def sink(x):
    """A node without outputs."""


# -- construction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (None, []),
        ("a", ["a"]),
        (["a", "b"], ["a", "b"]),
        ({"a": "x", "b": "y"}, ["x", "y"]),
        ({"b": "y", "a": "x"}, ["x", "y"]),  # dict inputs follow the signature's order
    ],
)
def test_inputs_in_call_order(inputs, expected):
    func = constant if inputs is None else (identity if isinstance(inputs, str) else add)
    assert node(func, inputs, "out").inputs == expected


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (None, []),
        ("o", ["o"]),
        (["o1", "o2"], ["o1", "o2"]),
        ({"k": "o1", "j": "o2"}, ["o1", "o2"]),
    ],
)
def test_outputs_in_declaration_order(outputs, expected):
    assert node(identity, "a", outputs).outputs == expected


def test_parameters_are_ordinary_inputs():
    n = node(add, ["params:rate", "params:model.alpha"], "out")
    assert n.inputs == ["params:rate", "params:model.alpha"]
    assert node(identity, "parameters", "out").inputs == ["parameters"]


def test_node_and_Node_are_the_same_thing():
    assert node(identity, "a", "b", name="n") == Node(identity, "a", "b", name="n")


def test_inputs_list_is_copied_so_later_edits_do_not_leak_in():
    names = ["a", "b"]
    n = node(add, names, "c")
    names.append("z")
    n.inputs.append("y")
    assert n.inputs == ["a", "b"]


def test_keyword_only_arguments_bind_from_dict_inputs():
    n = node(keyword_only, {"a": "x", "b": "y"}, "z")
    assert n.inputs == ["x", "y"]
    assert n.run({"x": 5, "y": 2}) == {"z": 3}


def test_builtins_without_signature_are_accepted():
    n = node(max, ["a", "b"], "c")  # max has no inspectable signature
    assert n.run({"a": 1, "b": 3}) == {"c": 3}


def test_unhashable_callables_work():
    class Callable:
        __hash__ = None

        def __call__(self, x):
            return x + 1

    assert node(Callable(), "a", "b").run({"a": 1}) == {"b": 2}


# -- validation -----------------------------------------------------------------------


def test_func_must_be_callable():
    # Kedro raises ValueError here; ours is both a TypeError and a ValueError.
    for error in (TypeError, ValueError):
        with pytest.raises(error, match=r"first argument must be a function, not str 'add'"):
            node("add", "a", "b")


@pytest.mark.parametrize("role", ["inputs", "outputs"])
def test_spec_of_wrong_type_is_refused(role):
    arguments = {"inputs": "a", "outputs": "b", role: ("x", "y")}
    with pytest.raises(TypeError, match=rf"'{role}' type must be one of \[str, list, dict, None\], not tuple"):
        node(identity, **arguments)


def test_names_must_be_strings():
    with pytest.raises(TypeError, match=r"names in 'inputs' must be str, but int 1 is in"):
        node(add, ["a", 1], "b")
    with pytest.raises(ValueError, match=r"names in 'outputs' must be str, but NoneType"):
        node(identity, "a", {"k": None})


def test_empty_dataset_name_is_refused():
    with pytest.raises(ValueError, match=r"'outputs' holds an empty dataset name \(node of 'identity'\)"):
        node(identity, "a", "")


def test_node_needs_inputs_or_outputs():
    message = r"Invalid Node definition: it must have some 'inputs' or 'outputs' \(node of 'constant'\)"
    with pytest.raises(ValueError, match=message):
        node(constant, None, None)


def test_inputs_must_bind_to_the_signature():
    with pytest.raises(TypeError, match=r"Inputs of 'identity' function expected \['x'\]"):
        node(identity, ["a", "b"], "c")
    with pytest.raises(TypeError, match=r"Inputs of 'add' function expected \['a', 'b'\]"):
        node(add, {"a": "x", "c": "y"}, "z")


def test_input_that_is_also_an_output_is_refused():
    message = (
        r"Failed to create node 'add\(\[a;b\]\) -> \[b\]': a node cannot have the same inputs "
        r"and outputs even if they are transcoded: \['b'\]"
    )
    with pytest.raises(ValueError, match=message):
        node(add, ["a", "b"], "b")


def test_duplicate_outputs_are_refused():
    with pytest.raises(ValueError, match=r"due to duplicate output\(s\) \['o'\]: node outputs must be unique"):
        node(split, "a", ["o", "o"])


@pytest.mark.parametrize("bad", ["has space", "semi;colon", "arrow->"])
def test_invalid_name_is_refused(bad):
    with pytest.raises(ValueError, match="is not a valid node name"):
        node(identity, "a", "b", name=bad)


def test_name_and_namespace_must_be_str():
    with pytest.raises(TypeError, match="Node name must be a str, got int"):
        node(identity, "a", "b", name=3)
    with pytest.raises(TypeError, match="Node namespace must be a str, got list"):
        node(identity, "a", "b", namespace=["ns"])


def test_invalid_tags_are_refused():
    message = "'bad tag' is not a valid node tag. It must contain only letters, digits"
    with pytest.raises(ValueError, match=message):
        node(identity, "a", "b", tags="bad tag")
    with pytest.raises(TypeError, match="Node tag must be a str, got int"):
        node(identity, "a", "b", tags=[1])


# -- names, strings, identity ---------------------------------------------------------


def test_default_name_spells_out_the_wiring():
    n = node(add, ["a", "b"], "c")
    assert n.name == "add([a;b]) -> [c]"
    assert str(n) == "add([a;b]) -> [c]"
    assert str(node(constant, None, "c")) == "constant(None) -> [c]"
    assert str(node(sink, "a", None)) == "sink([a]) -> None"
    assert str(node(split, "a", ["b", "c"])) == "split([a]) -> [b;c]"


def test_given_name_prefixes_str():
    n = node(add, ["a", "b"], "c", name="adder")
    assert n.name == "adder"
    assert str(n) == "adder: add([a;b]) -> [c]"


def test_namespace_prefixes_name_not_str():
    n = node(add, ["a", "b"], "c", name="adder", namespace="ns.inner")
    assert n.name == "ns.inner.adder"
    assert n.namespace == "ns.inner"
    assert str(n) == "adder: add([a;b]) -> [c]"
    assert node(identity, "a", "b", namespace="ns").name == "ns.identity([a]) -> [b]"


def test_short_name():
    assert node(identity, "a", "b", name="n", namespace="ns").short_name == "n"
    assert node(named_parts, "a", "b").short_name == "Named Parts"


def test_partial_and_callable_objects_get_stable_names():
    class Scaler:
        def __call__(self, x):
            return x

    assert node(functools.partial(add, 1), "a", "b").name == "add([a]) -> [b]"
    assert node(Scaler(), "a", "b").name == "Scaler([a]) -> [b]"


def test_repr_is_useful():
    n = node(add, ["a", "b"], "c", name="adder", namespace="ns")
    assert repr(n) == "Node(add, ['a', 'b'], 'c', 'adder')"  # Kedro's form
    assert repr(node(identity, "a", "b")) == "Node(identity, 'a', 'b', None)"


def test_equality_and_hash_use_name_inputs_outputs():
    first = node(add, {"a": "x", "b": "y"}, "z")
    second = node(add, {"b": "y", "a": "x"}, "z")
    assert first == second and hash(first) == hash(second)
    assert len({first, second}) == 1
    assert node(identity, "a", "b") != node(identity, ["a"], ["b"])  # str vs list spec
    assert node(identity, "a", "b") != "identity([a]) -> [b]"


def test_nodes_sort_by_name():
    nodes = [node(identity, "a", "b", name="z"), node(identity, "c", "d", name="m")]
    assert [n.name for n in sorted(nodes)] == ["m", "z"]
    with pytest.raises(TypeError):
        _ = nodes[0] < "m"


def test_node_is_immutable():
    n = node(identity, "a", "b")
    with pytest.raises(AttributeError):
        n.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        n.extra = 1  # type: ignore[attr-defined]


def test_tags_and_tag_copy():
    n = node(identity, "a", "b", tags="one")
    tagged = n.tag(["two", "three"])
    assert n.tags == {"one"}
    assert tagged.tags == {"one", "two", "three"}
    assert tagged == n  # tags are not part of identity
    assert node(identity, "a", "b", tags=None).tags == set()
    assert n.tag("two").tags == {"one", "two"}


def test_confirms():
    assert node(identity, "a", "b", confirms="a").confirms == ["a"]
    assert node(identity, "a", "b", confirms=["x", "y"]).confirms == ["x", "y"]
    assert node(identity, "a", "b").confirms == []


def test_copy_replaces_arguments():
    n = node(add, ["a", "b"], "c", name="adder", tags="t", confirms="a")
    moved = n._copy(inputs=["x", "y"], namespace="ns")
    assert (moved.name, moved.inputs, moved.tags, moved.confirms) == (
        "ns.adder", ["x", "y"], {"t"}, ["a"]
    )
    assert n.func is moved.func is add


# -- running --------------------------------------------------------------------------


def test_run_single_and_no_inputs():
    assert node(identity, "a", "b").run({"a": 1}) == {"b": 1}
    assert node(constant, None, "c").run() == {"c": 42}
    assert node(constant, None, "c").run({}) == {"c": 42}


def test_run_positional_and_keyword_inputs():
    assert node(add, ["a", "b"], "c").run({"a": "x", "b": "y"}) == {"c": "xy"}
    assert node(add, {"b": "p", "a": "q"}, "c").run({"p": "x", "q": "y"}) == {"c": "yx"}


def test_run_repeated_input():
    assert node(add, ["a", "a"], "c").run({"a": 2}) == {"c": 4}


def test_call_is_run_with_keywords():
    assert node(add, ["a", "b"], "c")(a=1, b=2) == {"c": 3}


def test_run_list_and_dict_outputs():
    assert node(split, "d", ["x", "y"]).run({"d": [1, 2]}) == {"x": 1, "y": 2}
    assert node(split, "d", ("x y".split())).run({"d": (3, 4)}) == {"x": 3, "y": 4}
    parts = node(named_parts, "d", {"head": "h", "tail": "t"})
    assert parts.run({"d": [1, 2, 3]}) == {"h": 1, "t": [2, 3]}


def test_run_without_outputs_ignores_the_result():
    assert node(identity, "a", None).run({"a": 5}) == {}


def test_run_refuses_missing_and_unexpected_inputs():
    n = node(add, ["a", "b"], "c", name="adder")
    expected = r"Node 'adder' expected inputs \['a', 'b'\], got \['a'\] \(missing: \['b'\]"
    with pytest.raises(ValueError, match=expected):
        n.run({"a": 1})
    with pytest.raises(ValueError, match=r"Node 'adder'.*unexpected: \['z'\]"):
        n.run({"a": 1, "b": 2, "z": 3})
    with pytest.raises(ValueError, match=r"Node 'constant\(None\) -> \[c\]'.*unexpected: \['a'\]"):
        node(constant, None, "c").run({"a": 1})


def test_run_refuses_non_dict_inputs():
    for error in (TypeError, ValueError):  # Kedro raises ValueError
        with pytest.raises(error, match=r"Node 'n': run\(\) takes a dict of inputs, got list"):
            node(identity, "a", "b", name="n").run(["a"])


def test_list_outputs_need_a_sequence_of_the_right_length():
    n = node(identity, "a", ["x", "y"], name="pair")
    message = r"Failed to save outputs of node 'pair': it declares 2 outputs .* returned int"
    with pytest.raises(ValueError, match=message):
        n.run({"a": 5})
    with pytest.raises(ValueError, match=r"node 'pair': it declares 2 outputs .* returned 3 values"):
        n.run({"a": [1, 2, 3]})


def test_dict_outputs_need_matching_keys():
    n = node(identity, "a", {"k": "x", "j": "y"}, name="keys")
    with pytest.raises(ValueError, match=r"node 'keys': it declares dict outputs .* returned list"):
        n.run({"a": [1]})
    with pytest.raises(ValueError, match=r"missing: \['j'\], unexpected: \['z'\]"):
        n.run({"a": {"k": 1, "z": 2}})


def test_function_errors_propagate_unchanged():
    def boom(x):
        raise KeyError("inner")

    with pytest.raises(KeyError, match="inner"):
        node(boom, "a", "b").run({"a": 1})


def test_run_logs_the_node(caplog):
    with caplog.at_level(logging.INFO, logger="minikedro.pipeline.node"):
        node(identity, "a", "b", name="n").run({"a": 1})
    assert "Running node: n: identity([a]) -> [b]" in caplog.text


# -- generator nodes ------------------------------------------------------------------


def chunks(n):
    for i in range(n):
        yield i


def pairs(n):
    for i in range(n):
        yield i, -i


def keyed(n):
    for i in range(n):
        yield {"pos": i, "neg": -i}


def test_generator_single_output_is_one_iterator():
    result = node(chunks, "n", "out").run({"n": 3})
    assert list(result["out"]) == [0, 1, 2]


def test_generator_list_outputs_split_each_chunk():
    result = node(pairs, "n", ["pos", "neg"]).run({"n": 3})
    assert list(result["pos"]) == [0, 1, 2]
    assert list(result["neg"]) == [0, -1, -2]


def test_generator_dict_outputs_split_each_chunk():
    result = node(keyed, "n", {"pos": "p", "neg": "m"}).run({"n": 2})
    assert (list(result["p"]), list(result["m"])) == ([0, 1], [0, -1])


def test_generator_empty_gives_empty_iterators():
    result = node(pairs, "n", ["pos", "neg"]).run({"n": 0})
    assert list(result["pos"]) == [] and list(result["neg"]) == []


def test_generator_without_outputs_runs_to_the_end():
    seen = []

    def record(n):
        for i in range(n):
            seen.append(i)
            yield i

    assert node(record, "n", None).run({"n": 3}) == {}
    assert seen == [0, 1, 2]


def test_generator_first_chunk_is_checked_inside_run():
    with pytest.raises(ValueError, match=r"node 'g': it declares 2 outputs .* returned int"):
        node(chunks, "n", ["a", "b"], name="g").run({"n": 2})


def test_generator_later_bad_chunk_fails_while_iterating():
    def uneven(n):
        yield 1, 2
        yield 1, 2, 3

    result = node(uneven, "n", ["a", "b"], name="g").run({"n": 0})
    with pytest.raises(ValueError, match=r"node 'g': .* returned 3 values"):
        list(result["a"])


# -- pickling -------------------------------------------------------------------------


def test_pickle_round_trip_keeps_identity_and_behaviour():
    import pickle

    original = node(add, {"b": "y", "a": "x"}, "z", name="n", tags="t", namespace="ns")
    restored = pickle.loads(pickle.dumps(original))
    assert restored == original and hash(restored) == hash(original)
    assert (restored.tags, restored.inputs, restored.run({"x": 1, "y": 2})) == (
        {"t"}, ["x", "y"], {"z": 3}
    )


# -- Kedro compatibility: func setter, __call__, transcoded names ---------------------


def wrapped(x):
    return ("wrapped", x)


def test_func_setter_swaps_the_function_but_keeps_identity():
    import pickle

    n = node(identity, "a", "b")
    key = (n.name, hash(n), str(n))
    n.func = wrapped
    assert n.run({"a": 1}) == {"b": ("wrapped", 1)}
    assert (n.name, hash(n), str(n)) == key
    restored = pickle.loads(pickle.dumps(n))
    assert restored.run({"a": 2}) == {"b": ("wrapped", 2)} and restored == n
    for error in (TypeError, ValueError):
        with pytest.raises(error, match=r"func must be callable, got int 3"):
            n.func = 3


def test_func_setter_follows_the_generator_kind_of_the_new_function():
    n = node(identity, "a", "b")

    def chunked(x):
        yield x
        yield x

    n.func = chunked
    assert list(n.run({"a": 1})["b"]) == [1, 1]


def test_calling_a_node_takes_a_dict_or_keywords_not_both():
    n = node(add, ["a", "b"], "c", name="adder")
    assert n({"a": 1, "b": 2}) == n(a=1, b=2) == {"c": 3}
    with pytest.raises(TypeError, match=r"Node 'adder': pass the inputs as one dict or as keywords"):
        n({"a": 1}, b=2)


def test_transcoded_names_are_kept_as_written():
    n = node(identity, "data@text", "out@json")
    assert (n.inputs, n.outputs, str(n)) == (["data@text"], ["out@json"], "identity([data@text]) -> [out@json]")
    with pytest.raises(ValueError, match=r"Expected maximum 1 transcoding separator, found 2"):
        node(identity, "a@b@c", "d")
