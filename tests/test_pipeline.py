"""Tests for minikedro.pipeline.pipeline: building, querying, combining and filtering."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from minikedro.pipeline import (
    CircularDependencyError,
    OutputNotUniqueError,
    Pipeline,
    PipelineError,
    node,
)

ROOT = Path(__file__).resolve().parents[1]


def identity(x):
    return x


def combine(*parts):
    return parts


def names(pipe):
    return [n.name for n in pipe.nodes]


@pytest.fixture
def diamond():
    """raw -> clean -> (left, right) -> joined, plus params and tags."""
    return Pipeline(
        [
            node(combine, ["left", "right"], "joined", name="join", tags="final"),
            node(identity, "clean", "left", name="to_left", tags=["branch", "left"]),
            node(combine, ["clean", "params:k"], "right", name="to_right", tags="branch"),
            node(identity, "raw", "clean", name="cleaner"),
        ]
    )


# -- construction ---------------------------------------------------------------------


def test_nested_pipelines_are_flattened():
    inner = Pipeline([node(identity, "a", "b", name="first")])
    outer = Pipeline([inner, node(identity, "b", "c", name="second"), Pipeline([inner])])
    assert names(outer) == ["first", "second"]
    assert names(Pipeline(outer)) == ["first", "second"]


def test_generators_and_empty_lists_are_accepted():
    assert names(Pipeline(node(identity, x, x + "2", name=x) for x in "ab")) == ["a", "b"]
    assert Pipeline([]).nodes == []


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (None, r"must be an iterable of nodes and/or pipelines, got NoneType None"),
        ("abc", r"got str 'abc'"),
        (node(identity, "a", "b"), r"Wrap a single node in a list"),
    ],
)
def test_non_iterables_are_refused(argument, message):
    for error in (TypeError, ValueError):  # Kedro raises ValueError for None
        with pytest.raises(error, match=message):
            Pipeline(argument)


def test_items_must_be_nodes_or_pipelines():
    with pytest.raises(TypeError, match=r"item 1 is int 3"):
        Pipeline([node(identity, "a", "b"), 3])


def test_two_nodes_with_one_name_are_refused():
    with pytest.raises(PipelineError, match=r"unique names.*\n  - dup\n.*name=") as caught:
        Pipeline([node(identity, "a", "b", name="dup"), node(identity, "c", "d", name="dup")])
    assert isinstance(caught.value, ValueError)  # Kedro raises ValueError here


def test_the_same_node_object_twice_counts_once():
    shared = node(identity, "a", "b", name="shared")
    assert names(Pipeline([Pipeline([shared]), Pipeline([shared]), shared])) == ["shared"]


def test_two_writers_of_one_dataset_are_refused():
    with pytest.raises(OutputNotUniqueError, match=r"\['out'\] .*'out' by 'one', 'two'") as caught:
        Pipeline([node(identity, "a", "out", name="two"), node(identity, "b", "out", name="one")])
    assert caught.value.duplicates == {"out": ["one", "two"]}


def test_cycle_is_reported_as_a_path_from_the_smallest_name():
    nodes = [
        node(identity, "a", "b", name="n1"),
        node(identity, "b", "c", name="n2"),
        node(identity, "c", "a", name="n0"),
        node(identity, "c", "d", name="after_the_cycle"),
    ]
    for order in (nodes, nodes[::-1]):
        with pytest.raises(CircularDependencyError, match=r"n0 -> n1 -> n2 -> n0 ") as caught:
            Pipeline(order)
        assert caught.value.cycle == ["n0", "n1", "n2", "n0"]
        assert "through dataset(s) a, b, c" in str(caught.value)


def test_cycle_between_unnamed_nodes_quotes_their_names():
    with pytest.raises(
        CircularDependencyError,
        match=r"'identity\(\[a\]\) -> \[b\]' -> 'identity\(\[b\]\) -> \[a\]' -> 'identity\(\[a\]",
    ):
        Pipeline([node(identity, "b", "a"), node(identity, "a", "b")])


def test_long_cycle_needs_no_recursion():
    size = 5000
    nodes = [node(identity, f"d{i}", f"d{(i + 1) % size}", name=f"n{i:05}") for i in range(size)]
    with pytest.raises(CircularDependencyError) as caught:
        Pipeline(nodes)
    assert len(caught.value.cycle) == size + 1


def test_a_cycle_is_refused_however_the_nodes_are_listed_or_combined():
    # Listed producers first, nodes cannot form a cycle and sorting waits; any other
    # listing is sorted at once, so a cycle never gets past the constructor.
    first = Pipeline([node(identity, "x", "y", name="a")])
    second = Pipeline([node(identity, "y", "x", name="b")])
    for combined in (lambda: first + second, lambda: second + first, lambda: sum([first, second])):
        with pytest.raises(CircularDependencyError, match=r"a -> b -> a \(through dataset\(s\) x, y\)"):
            combined()


def test_parts_and_unsorted_pipelines_answer_like_sorted_ones(diamond):
    listed_in_order = Pipeline(diamond.nodes)
    part = listed_in_order.from_nodes("to_right")
    assert names(part) == ["to_right", "join"]
    assert [[n.name for n in g] for g in part.grouped_nodes] == [["to_right"], ["join"]]
    assert names(part.to_nodes("join")) == ["to_right", "join"]
    assert part.inputs() == {"clean", "params:k", "left"} and part.outputs() == {"joined"}
    import pickle

    assert names(pickle.loads(pickle.dumps(Pipeline(diamond.nodes)))) == names(diamond)


def test_a_plain_pipeline_loads_neither_namespacing_nor_filters():
    probe = (
        "import sys\nfrom minikedro.pipeline import Pipeline, node\n"
        "p = Pipeline([node(len, 'a', 'b'), node(len, 'b', 'c')])\n"
        "p.nodes, p.inputs(), p.describe(), p + p, p - p\n"
        "print(sorted(m for m in sys.modules if m.startswith('minikedro.pipeline.')))\n"
        "from minikedro.pipeline import pipeline\n"
        "print(callable(pipeline), 'minikedro.pipeline.modular' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    assert result.stdout.splitlines() == [
        "['minikedro.pipeline.node', 'minikedro.pipeline.pipeline']", "True True"
    ]


def test_tags_argument_tags_every_node(diamond):
    tagged = Pipeline([diamond], tags=["all"])
    assert all("all" in n.tags for n in tagged.nodes)
    assert not any("all" in n.tags for n in diamond.nodes)


# -- queries --------------------------------------------------------------------------


def test_nodes_are_topological_layer_by_layer_then_by_name(diamond):
    assert names(diamond) == ["cleaner", "to_left", "to_right", "join"]
    assert [[n.name for n in group] for group in diamond.grouped_nodes] == [
        ["cleaner"], ["to_left", "to_right"], ["join"]
    ]


def test_order_does_not_depend_on_insertion_order(diamond):
    shuffled = diamond.nodes
    random.Random(3).shuffle(shuffled)
    assert names(Pipeline(shuffled)) == names(diamond)


def test_nodes_returns_a_copy(diamond):
    diamond.nodes.clear()
    assert len(diamond.nodes) == 4


def test_node_dependencies(diamond):
    by_name = {n.name: n for n in diamond.nodes}
    dependencies = diamond.node_dependencies
    assert dependencies[by_name["cleaner"]] == set()
    assert dependencies[by_name["join"]] == {by_name["to_left"], by_name["to_right"]}
    assert [n.name for n in dependencies] == names(diamond)


def test_dataset_queries(diamond):
    assert diamond.inputs() == {"raw", "params:k"}
    assert diamond.outputs() == {"joined"}
    assert diamond.all_inputs() == {"raw", "params:k", "clean", "left", "right"}
    assert diamond.all_outputs() == {"clean", "left", "right", "joined"}
    assert diamond.datasets() == {"raw", "params:k", "clean", "left", "right", "joined"}


def test_describe_names_only(diamond):
    assert diamond.describe() == (
        "#### Pipeline execution order ####\n"
        "Inputs: params:k, raw\n\n"
        "cleaner\nto_left\nto_right\njoin\n\n"
        "Outputs: joined\n"
        "##################################"
    )


def test_describe_with_wiring_and_empty_pipeline(diamond):
    assert "to_right: combine([clean;params:k]) -> [right]\n" in diamond.describe(names_only=False)
    assert Pipeline([]).describe() == (
        "#### Pipeline execution order ####\nInputs: None\n\n\n\nOutputs: None\n"
        "##################################"
    )


def test_to_json(diamond):
    data = json.loads(diamond.to_json())
    assert "minikedro_version" in data
    assert data["pipeline"][1] == {
        "name": "to_left", "inputs": ["clean"], "outputs": ["left"], "tags": ["branch", "left"]
    }


def test_repr_shows_at_most_ten_nodes():
    assert repr(Pipeline([])) == "Pipeline([])"
    short = Pipeline([node(identity, "a", "b", name="n")])
    assert repr(short) == "Pipeline([\nNode(identity, 'a', 'b', 'n')\n])"
    long = Pipeline([node(identity, f"i{i}", f"o{i}", name=f"n{i:02}") for i in range(12)])
    assert repr(long).endswith("'n09'),\n... (2 more)\n])")


# -- algebra --------------------------------------------------------------------------


@pytest.fixture
def halves():
    first = Pipeline([node(identity, "a", "b", name="ab"), node(identity, "b", "c", name="bc")])
    second = Pipeline([node(identity, "b", "c", name="bc"), node(identity, "c", "d", name="cd")])
    return first, second


def test_add_and_or_merge_equal_nodes(halves):
    first, second = halves
    assert names(first + second) == ["ab", "bc", "cd"]
    assert names(first | second) == ["ab", "bc", "cd"]


def test_sub_and_and(halves):
    first, second = halves
    assert names(first - second) == ["ab"]
    assert names(first & second) == ["bc"]


def test_sum_starts_from_zero(halves):
    assert names(sum(halves)) == ["ab", "bc", "cd"]
    assert 0 + halves[0] is halves[0]


def test_algebra_with_non_pipelines_is_a_type_error(halves):
    for operation in (
        lambda p: p + 1, lambda p: 1 + p, lambda p: p - 1, lambda p: p & 1, lambda p: p | 1
    ):
        with pytest.raises(TypeError):
            operation(halves[0])


def test_add_refuses_different_nodes_with_one_name():
    first = Pipeline([node(identity, "a", "b", name="same")])
    second = Pipeline([node(identity, "x", "y", name="same")])
    with pytest.raises(PipelineError, match="  - same"):
        first + second


def test_tag_returns_a_tagged_copy(diamond):
    tagged = diamond.tag(["extra", "more"])
    assert all({"extra", "more"} <= n.tags for n in tagged.nodes)
    assert all("extra" not in n.tags for n in diamond.nodes)


# -- filters --------------------------------------------------------------------------


def test_only_nodes(diamond):
    assert names(diamond.only_nodes("join", "cleaner")) == ["cleaner", "join"]


def test_only_nodes_refuses_unknown_names_sorted(diamond):
    with pytest.raises(ValueError, match=r"does not contain nodes named \['a', 'z'\]\.$"):
        diamond.only_nodes("z", "cleaner", "a")


def test_only_nodes_suggests_namespaced_names():
    pipe = Pipeline([node(identity, "a", "b", name="n", namespace="ns")])
    with pytest.raises(ValueError, match=r"named \['n'\]\. Did you mean: 'ns\.n'\?"):
        pipe.only_nodes("n")


def test_only_nodes_suggests_close_names_for_a_typo(diamond):
    with pytest.raises(ValueError, match=r"named \['claener'\]\. Did you mean: 'cleaner'\?$"):
        diamond.only_nodes("claener")


def test_only_nodes_with_tags_is_an_or(diamond):
    assert names(diamond.only_nodes_with_tags("left", "final")) == ["to_left", "join"]
    assert diamond.only_nodes_with_tags().nodes == []
    assert diamond.only_nodes_with_tags("nothing").nodes == []


def test_only_nodes_with_inputs_and_outputs(diamond):
    assert names(diamond.only_nodes_with_inputs("clean")) == ["to_left", "to_right"]
    assert names(diamond.only_nodes_with_inputs("params:k")) == ["to_right"]
    assert names(diamond.only_nodes_with_outputs("left", "joined")) == ["to_left", "join"]
    assert diamond.only_nodes_with_outputs("raw").nodes == []  # a free input: no writer


def test_dataset_filters_refuse_unknown_datasets(diamond):
    for method in (
        diamond.only_nodes_with_inputs,
        diamond.only_nodes_with_outputs,
        diamond.from_inputs,
        diamond.to_outputs,
    ):
        with pytest.raises(ValueError, match=r"does not contain datasets named \['x', 'y'\]"):
            method("y", "clean", "x")


def test_from_inputs_and_to_outputs(diamond):
    assert names(diamond.from_inputs("left")) == ["join"]
    assert names(diamond.from_inputs("params:k")) == ["to_right", "join"]
    assert names(diamond.from_inputs("raw")) == names(diamond)
    assert names(diamond.to_outputs("left")) == ["cleaner", "to_left"]
    assert names(diamond.to_outputs("joined")) == names(diamond)


def test_from_nodes_and_to_nodes(diamond):
    assert names(diamond.from_nodes("to_left")) == ["to_left", "join"]
    assert names(diamond.to_nodes("to_right")) == ["cleaner", "to_right"]
    assert names(diamond.from_nodes("cleaner")) == names(diamond)
    with pytest.raises(ValueError, match=r"nodes named \['nope'\]"):
        diamond.from_nodes("nope")
    with pytest.raises(ValueError, match=r"nodes named \['nope'\]"):
        diamond.to_nodes("nope")


@pytest.fixture
def namespaced():
    return Pipeline(
        [
            node(identity, "a", "b", name="x", namespace="outer"),
            node(identity, "b", "c", name="y", namespace="outer.inner"),
            node(identity, "c", "d", name="z", namespace="outerwear"),
            node(identity, "d", "e", name="free"),
        ]
    )


def test_only_nodes_with_namespaces(namespaced):
    assert names(namespaced.only_nodes_with_namespaces(["outer"])) == ["outer.x", "outer.inner.y"]
    assert names(namespaced.only_nodes_with_namespaces("outer.inner")) == ["outer.inner.y"]
    both = namespaced.only_nodes_with_namespaces(["outer.inner", "outerwear"])
    assert names(both) == ["outer.inner.y", "outerwear.z"]


def test_only_nodes_with_namespaces_refuses_unmatched(namespaced):
    with pytest.raises(ValueError, match=r"with the following namespaces: \['missing', 'out'\]"):
        namespaced.only_nodes_with_namespaces(["out", "outer", "missing"])


def test_filter_intersects_every_filter(diamond):
    assert names(diamond.filter(from_nodes=["to_left"], to_nodes=["join"])) == ["to_left", "join"]
    assert names(diamond.filter(tags=["branch"], from_inputs=["params:k"])) == ["to_right"]
    assert names(diamond.filter(node_names=["cleaner", "join"], to_outputs=["left"])) == [
        "cleaner"
    ]


def test_filter_order_of_filters_does_not_matter():
    # Kedro's documented example: node_names and from_inputs together.
    pipe = Pipeline(
        [
            node(identity, "A", "B", name="node1"),
            node(identity, "B", "C", name="node2"),
            node(identity, "C", "D", name="node3"),
        ]
    )
    assert names(pipe.filter(node_names=["node1", "node3"], from_inputs=["A"])) == [
        "node1", "node3"
    ]


def test_filter_accepts_a_single_str_and_ignores_empty_filters(diamond, namespaced):
    assert names(diamond.filter(tags="final", node_names=[])) == ["join"]
    assert names(diamond.filter()) == names(diamond)
    assert names(namespaced.filter(node_namespaces="outerwear")) == ["outerwear.z"]


def test_filter_refuses_an_empty_result(diamond):
    with pytest.raises(ValueError, match=r"Pipeline contains no nodes after applying all provided"):
        diamond.filter(tags=["left"], node_names=["join"])
    with pytest.raises(ValueError, match=r"no nodes after applying"):
        Pipeline([]).filter()


def test_filter_refuses_unknown_names(diamond):
    with pytest.raises(ValueError, match=r"nodes named \['ghost'\]"):
        diamond.filter(node_names=["ghost"])
    with pytest.raises(ValueError, match=r"datasets named \['ghost'\]"):
        diamond.filter(to_outputs=["ghost"])
    with pytest.raises(ValueError, match=r"namespaces: \['ghost'\]"):
        diamond.filter(node_namespaces=["ghost"])


# -- scale and determinism ------------------------------------------------------------


def random_dag_nodes(seed: int, size: int = 300):
    """Nodes over a random DAG, listed in a shuffled order."""
    rng = random.Random(seed)
    nodes = []
    for i in range(size):
        parents = rng.sample(range(i), k=min(i, rng.randint(0, 3)))
        inputs = [f"d{p}" for p in parents] or [f"source{i}"]
        tags = rng.sample(["a", "b", "c"], k=rng.randint(0, 2))
        nodes.append(node(combine, inputs, f"d{i}", name=f"n{rng.randrange(10**6)}_{i}", tags=tags))
    rng.shuffle(nodes)
    return nodes


def test_random_dag_order_is_topological_and_layered():
    for seed in range(5):
        pipe = Pipeline(random_dag_nodes(seed))
        position = {n.name: i for i, n in enumerate(pipe.nodes)}
        for child, parents in pipe.node_dependencies.items():
            assert all(position[p.name] < position[child.name] for p in parents)
        for group in pipe.grouped_nodes:
            assert [n.name for n in group] == sorted(n.name for n in group)
        filtered = pipe.filter(tags=["a"])
        assert all("a" in n.tags for n in filtered.nodes)


ORDER_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from tests.test_pipeline import random_dag_nodes
from minikedro.pipeline import Pipeline
pipe = Pipeline(random_dag_nodes(7))
print(pipe.describe())
print(pipe.filter(tags=["b"], from_inputs=["d3"] if "d3" in pipe.datasets() else None).describe())
print(pipe.to_json())
"""


def test_order_is_identical_under_different_hash_seeds():
    outputs = set()
    for seed in ("1", "2", "12345"):
        result = subprocess.run(
            [sys.executable, "-c", ORDER_SCRIPT, str(ROOT)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_long_chain_builds_and_filters():
    size = 20_000
    pipe = Pipeline([node(identity, f"d{i}", f"d{i + 1}") for i in range(size)])
    assert pipe.inputs() == {"d0"} and pipe.outputs() == {f"d{size}"}
    assert len(pipe.grouped_nodes) == size
    assert len(pipe.from_inputs(f"d{size // 2}").nodes) == size // 2
    assert len(pipe.to_outputs(f"d{size // 2}").nodes) == size // 2


PICKLE_SCRIPT = """
import pickle, sys
sys.path.insert(0, sys.argv[1])
from tests.test_pipeline import random_dag_nodes
from minikedro.pipeline import Pipeline
sys.stdout.buffer.write(pickle.dumps(Pipeline(random_dag_nodes(11))))
"""


def test_pipeline_pickled_under_another_hash_seed_matches_local_nodes():
    import pickle

    pickled = subprocess.run(
        [sys.executable, "-c", PICKLE_SCRIPT, str(ROOT)],
        env={**os.environ, "PYTHONHASHSEED": "99"},
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout
    restored = pickle.loads(pickled)
    local = Pipeline(random_dag_nodes(11))
    assert set(restored.nodes) == set(local.nodes)  # hashes were recomputed here
    assert names(restored) == names(local)
    middle = local.nodes[5].name
    assert names(restored.from_nodes(middle)) == names(local.from_nodes(middle))


# -- transcoding, confirms and deployment groups --------------------------------------


def test_transcoded_datasets_link_nodes_by_their_base_name():
    pipe = Pipeline(
        [
            node(identity, "data@text", "report", name="read"),
            node(identity, "raw", "data@json", name="write"),
        ]
    )
    assert names(pipe) == ["write", "read"]
    assert (pipe.inputs(), pipe.outputs()) == ({"raw"}, {"report"})
    assert pipe.all_inputs() == {"data@text", "raw"} and pipe.all_outputs() == {"data@json", "report"}
    assert pipe.datasets() == {"data@text", "data@json", "raw", "report"}
    write, read = pipe.nodes
    assert pipe.node_dependencies == {write: set(), read: {write}}
    assert "Inputs: raw\n" in pipe.describe()


def test_filters_take_base_or_full_transcoded_names():
    pipe = Pipeline(
        [
            node(identity, "raw", "data@json", name="write"),
            node(identity, "data@text", "a", name="as_text"),
            node(identity, "data@json", "b", name="as_json"),
        ]
    )
    assert names(pipe.from_inputs("data")) == ["as_json", "as_text"]
    assert names(pipe.from_inputs("data@json")) == ["as_json"]
    assert names(pipe.only_nodes_with_outputs("data")) == ["write"]
    assert names(pipe.only_nodes_with_outputs("data@text")) == []  # nobody writes that form
    assert names(pipe.from_nodes("write")) == ["write", "as_json", "as_text"]
    with pytest.raises(ValueError, match=r"datasets named \['data@csv'\]"):
        pipe.from_inputs("data@csv")


def test_a_cycle_through_transcoded_names_is_reported():
    with pytest.raises(CircularDependencyError, match=r"a -> b -> a \(through dataset\(s\) x, y\)"):
        Pipeline([node(identity, "x@text", "y", name="a"), node(identity, "y", "x@json", name="b")])


def test_confirming_one_dataset_twice_is_refused():
    from minikedro.pipeline import ConfirmNotUniqueError

    with pytest.raises(ConfirmNotUniqueError) as caught:
        Pipeline([node(identity, "a", "b", name="one", confirms="c"), node(identity, "b", "d", name="two", confirms="c")])
    assert caught.value.duplicates == {"c": ["one", "two"]}
    assert isinstance(caught.value, PipelineError)


def test_group_nodes_by_top_level_namespace():
    from minikedro.pipeline import GroupedNodes

    pipe = Pipeline(
        [
            node(identity, "a", "b", name="x", namespace="outer.inner"),
            node(identity, "b", "c", name="y", namespace="outer"),
            node(identity, "c", "d", name="z"),
        ]
    )
    expected = [
        GroupedNodes(name="outer", type="namespace", nodes=["outer.inner.x", "outer.y"]),
        GroupedNodes(name="z", type="node", nodes=["z"], dependencies=["outer"]),
    ]
    assert pipe.group_nodes_by() == expected
    assert [g.type for g in pipe.group_nodes_by("none")] == ["node", "node", "node"]


def test_the_first_listed_node_is_found_as_a_writer_and_a_reader():
    """The index holds positions; the node at position 0 is a writer and reader like any other."""
    pipe = Pipeline([node(identity, "a@csv", "b", name="first"), node(identity, "raw", "a@csv", name="second")])
    assert [n.name for n in pipe.only_nodes_with_outputs("b").nodes] == ["first"]
    assert [n.name for n in pipe.only_nodes_with_inputs("a@csv").nodes] == ["first"]
    assert [n.name for n in pipe.to_outputs("b").nodes] == ["second", "first"]
    assert [n.name for n in pipe.from_inputs("raw").nodes] == ["second", "first"]
