"""Tests for minikedro.pipeline.modular: namespacing and remapping pipelines."""

from __future__ import annotations

import pytest

from minikedro.pipeline import Pipeline, PipelineError, node, pipeline


def identity(x):
    return x


def scale(x, factor):
    return x * factor


def everything(x, params):
    return x


def split(x):
    return {"low": x, "high": x}


@pytest.fixture
def base():
    """raw -> prep -> prepped -> fit(params:factor) -> model; report reads parameters."""
    return Pipeline(
        [
            node(identity, "raw", "prepped", name="prep", confirms="raw"),
            node(scale, {"x": "prepped", "factor": "params:factor"}, "model", name="fit"),
            node(everything, ["model", "parameters"], "report", name="report", tags="r"),
        ]
    )


def wiring(pipe):
    return {n.name: (n.inputs, n.outputs) for n in pipe.nodes}


def test_namespace_prefixes_nodes_datasets_and_single_parameters(base):
    result = pipeline(base, namespace="cars")
    assert wiring(result) == {
        "cars.prep": (["cars.raw"], ["cars.prepped"]),
        "cars.fit": (["cars.prepped", "params:cars.factor"], ["cars.model"]),
        "cars.report": (["cars.model", "parameters"], ["cars.report"]),
    }
    assert {n.namespace for n in result.nodes} == {"cars"}
    assert result.nodes[0].confirms == ["cars.raw"]
    assert base.inputs() == {"raw", "params:factor", "parameters"}  # the original is unchanged


def test_mapped_inputs_and_outputs_keep_or_take_chosen_names(base):
    result = pipeline(
        base, namespace="cars", inputs={"raw": "cars_raw"}, outputs=["model", "report"]
    )
    assert result.inputs() == {"cars_raw", "params:cars.factor", "parameters"}
    assert result.outputs() == {"report"}
    assert result.all_outputs() == {"cars.prepped", "model", "report"}


@pytest.mark.parametrize("kept", ["raw", ["raw"], {"raw"}, ("raw",), {"raw": "raw"}])
def test_names_may_be_given_as_str_list_set_tuple_or_dict(base, kept):
    assert "raw" in pipeline(base, namespace="ns", inputs=kept).inputs()


def test_parameters_keep_or_take_chosen_names(base):
    kept = pipeline(base, namespace="ns", parameters="factor")
    assert "params:factor" in kept.inputs()
    renamed = pipeline(base, namespace="ns", parameters={"params:factor": "shared.factor"})
    assert "params:shared.factor" in renamed.inputs()
    whole = pipeline(base, namespace="ns", parameters={"parameters": "other"})
    assert "parameters" in whole.inputs()  # 'parameters' is never renamed


def test_renaming_without_namespace(base):
    result = pipeline(base, inputs={"raw": "source"}, parameters={"factor": "k"})
    assert result.inputs() == {"source", "params:k", "parameters"}
    assert [n.name for n in result.nodes] == ["prep", "fit", "report"]


def test_dict_outputs_are_renamed():
    pipe = Pipeline([node(split, "x", {"low": "lo", "high": "hi"}, name="s")])
    result = pipeline(pipe, namespace="ns", outputs={"hi": "top"})
    assert result.nodes[0].outputs == ["ns.lo", "top"]
    assert result.nodes[0].run({"ns.x": 3}) == {"ns.lo": 3, "top": 3}


def test_nested_namespaces_stack_outermost_first(base):
    inner = pipeline(base, namespace="inner", outputs="report")
    outer = pipeline(inner, namespace="outer")
    assert [n.name for n in outer.nodes] == [
        "outer.inner.prep", "outer.inner.fit", "outer.inner.report"
    ]
    assert outer.nodes[0].namespace == "outer.inner"
    assert outer.outputs() == {"outer.report"}
    assert outer.only_nodes_with_namespaces(["outer"]).nodes == outer.nodes


def test_unnamed_nodes_get_namespaced_default_names():
    result = pipeline([node(identity, "a", "b")], namespace="ns")
    assert result.nodes[0].name == "ns.identity([ns.a]) -> [ns.b]"


def test_tags_are_added(base):
    result = pipeline(base, tags=["t1", "t2"], namespace="ns")
    assert all({"t1", "t2"} <= n.tags for n in result.nodes)
    assert pipeline(base, tags="only").nodes[0].tags == {"only"}


def test_one_pipeline_reused_under_two_namespaces(base):
    both = pipeline(base, namespace="cars") + pipeline(base, namespace="boats")
    assert len(both.nodes) == 6
    assert both.inputs() == {
        "cars.raw", "boats.raw", "params:cars.factor", "params:boats.factor", "parameters"
    }


def test_pipeline_constructor_namespaces_like_kedro_1(base):
    direct = Pipeline(base, namespace="cars", inputs={"raw": "source"})
    assert wiring(direct) == wiring(pipeline(base, namespace="cars", inputs={"raw": "source"}))


def test_pipeline_accepts_node_lists():
    result = pipeline([node(identity, "a", "b", name="n")], namespace="ns")
    assert [n.name for n in result.nodes] == ["ns.n"]


# -- errors ---------------------------------------------------------------------------


def test_unknown_names_are_refused_with_suggestions(base):
    message = r"onto the nodes provided: params:facter, rwa - did you mean"
    with pytest.raises(PipelineError, match=message):
        pipeline(base, inputs="rwa", parameters="facter")
    with pytest.raises(PipelineError, match=r"onto the nodes provided: zzz$"):
        pipeline(base, outputs={"zzz": "y"})


def test_parameters_under_inputs_are_refused(base):
    with pytest.raises(PipelineError, match=r"in the 'parameters' argument.*: params:factor"):
        pipeline(base, inputs="params:factor")


def test_intermediate_datasets_cannot_be_inputs(base):
    with pytest.raises(PipelineError, match=r"Inputs must not be outputs .*: model, prepped\."):
        pipeline(base, inputs=["prepped", "model"])


def test_free_inputs_cannot_be_outputs(base):
    with pytest.raises(PipelineError, match=r"generated by some node .*: raw are free inputs"):
        pipeline(base, outputs="raw")


@pytest.mark.parametrize("bad", [3, {"raw": 3}, {3: "raw"}])
def test_mapping_of_wrong_type_is_refused(base, bad):
    with pytest.raises(TypeError, match=r"'inputs' must"):
        pipeline(base, inputs=bad)


def test_namespace_must_be_str(base):
    with pytest.raises(TypeError, match=r"namespace must be a str, got int"):
        pipeline(base, namespace=3)


def test_renaming_onto_an_own_output_is_refused():
    pipe = Pipeline([node(identity, "a", "b", name="n")])
    with pytest.raises(ValueError, match=r"node 'n': a node cannot have the same inputs and outputs.*\['b'\]"):
        pipeline(pipe, inputs={"a": "b"})


def test_namespace_without_prefixing_datasets_keeps_names_but_applies_mappings():
    pipe = Pipeline([node(scale, ["raw", "params:factor"], "scaled", name="s")])
    grouped = pipeline(pipe, namespace="prep", prefix_datasets_with_namespace=False)
    (only,) = grouped.nodes
    assert (only.name, only.namespace, only.inputs, only.outputs) == (
        "prep.s", "prep", ["raw", "params:factor"], ["scaled"],
    )
    renamed = Pipeline(pipe, namespace="prep", outputs={"scaled": "out"}, prefix_datasets_with_namespace=False)
    assert renamed.outputs() == {"out"} and renamed.inputs() == {"raw", "params:factor"}


def test_mapping_a_transcoded_dataset_by_its_base_name():
    pipe = Pipeline(
        [node(identity, "raw@text", "mid@json", name="a"), node(identity, "mid@text", "out", name="b")]
    )
    mapped = pipeline(pipe, inputs={"raw": "source"}, outputs={"mid": "shared"}, namespace="ns")
    assert mapped.inputs() == {"source@text"}
    assert mapped.all_outputs() == {"shared@json", "ns.out"}
    with pytest.raises(PipelineError, match=r"Inputs must not be outputs .*: mid"):
        pipeline(pipe, inputs={"mid": "x"})


def test_pipeline_function_is_importable_from_kedros_module_path():
    from minikedro.pipeline.pipeline import pipeline as from_pipeline_module

    assert from_pipeline_module is pipeline
