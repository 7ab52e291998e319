"""minikedro.framework.run_options: the words of ``minikedro run`` turned into values."""
from __future__ import annotations

import pytest

from minikedro.framework.run_options import (
    OPTIONS,
    RunOptionError,
    RunOptions,
    load_runner,
    parse_key_values,
    parse_load_versions,
    parse_value,
    read_run_config,
    split_commas,
)
from minikedro.runner import ParallelRunner, SequentialRunner, ThreadRunner


@pytest.mark.parametrize(
    "text, items",
    [
        ("a,b , c,,", ["a", "b", "c"]),
        ("f([x,y]) -> [z],g", ["f([x,y]) -> [z]", "g"]),
        ("ids=[1,2],opts={'a': 1, 'b': 2},name='x,y'", ["ids=[1,2]", "opts={'a': 1, 'b': 2}", "name='x,y'"]),
        ("", []),
    ],
)
def test_split_commas_respects_brackets_and_quotes(text, items):
    assert split_commas(text) == items


@pytest.mark.parametrize(
    "text, value",
    [
        ("3", 3), ("-0.5", -0.5), ("1e3", 1000.0), ("True", True), ("true", True),
        ("FALSE", False), ("null", None), ("None", None), ("'quoted'", "quoted"),
        ("[1, 2]", [1, 2]), ("plain text", "plain text"), ("2024-01-01", "2024-01-01"),
        ("01", "01"), ("", ""),
        # YAML's flow lists, as Kedro's OmegaConf reads --params: bare words become strings.
        ("[engines,crew]", ["engines", "crew"]), ("[a, 1, true, 'x,y']", ["a", 1, True, "x,y"]),
        ("[a,[b, 2]]", ["a", ["b", 2]]), ("[unclosed", "[unclosed"),
    ],
)
def test_parse_value_types_literals_only(text, value):
    assert parse_value(text) == value


def test_parse_key_values_nests_dotted_keys():
    assert parse_key_values("a=1,b.c=x,b.d=true", "--params") == {"a": 1, "b": {"c": "x", "d": True}}
    assert parse_key_values({"model.depth": 3, "seed": 1}, "--params") == {"model": {"depth": 3}, "seed": 1}
    assert parse_key_values("url=http://x?a=b", "--params") == {"url": "http://x?a=b"}
    # Kedro 0.18's key:value form; the first of "=" and ":" separates
    assert parse_key_values("a:1,url:http://x,t=10:30", "--params") == {
        "a": 1, "url": "http://x", "t": "10:30"}
    assert parse_key_values(None, "--params") == {}
    for bad in ("novalue", "=1"):
        with pytest.raises(RunOptionError, match=r"is not key=value; valid form: --params"):
            parse_key_values(bad, "--params")


def test_parse_load_versions():
    assert parse_load_versions("a:2024-01-01T00.00.00.000Z, b:v2") == {
        "a": "2024-01-01T00.00.00.000Z", "b": "v2"}
    assert parse_load_versions({"a": 1}) == {"a": "1"}
    with pytest.raises(RunOptionError, match="'a' is not dataset:version"):
        parse_load_versions("a")


def test_merge_gives_every_option_with_the_command_line_winning():
    from_file = {"tags": ["x"], "pipeline": "p", "params": {"a": 1, "b": {"c": 2}},
                 "runner_params": {"max_workers": 2}, "is_async": True}
    options = RunOptions.from_sources(
        {"tags": ["y,z"], "params": "b.c=3", "runner_params": None, "is_async": None}, from_file
    )
    assert set(OPTIONS) <= set(vars(options))
    assert options.tags == ["y", "z"]
    assert options.pipeline == "p"
    assert options.params == {"a": 1, "b": {"c": 3}}
    assert options.runner_params == {"max_workers": 2}
    assert options.is_async is True
    assert options.node_names == [] and options.env is None
    repeated = RunOptions.from_sources({"load_versions": ["a:v1", "b:v2"], "params": ["x=1", "y=2"]})
    assert repeated.load_versions == {"a": "v1", "b": "v2"}
    assert repeated.params == {"x": 1, "y": 2}
    # An empty value given on the command line clears the file's.
    cleared = RunOptions.from_sources({"runner_params": [], "tags": []}, from_file)
    assert cleared.runner_params == {} and cleared.tags == []


def test_every_option_goes_to_a_keyword_its_call_takes():
    import inspect

    from minikedro.framework.session import KedroSession

    options = RunOptions()
    for to, call in (("create", KedroSession.create), ("runner", load_runner),
                     ("run", KedroSession.run)):
        assert set(options.arguments(to)) <= set(inspect.signature(call).parameters)
    assert sum(len(options.arguments(to)) for to in ("create", "runner", "run", "cli")) == len(OPTIONS) + 1


def test_pipeline_and_pipelines_exclude_each_other():
    with pytest.raises(RunOptionError, match="cannot be used together"):
        RunOptions.from_sources({"pipeline": "a"}, {"pipelines": ["b"]})


def test_read_run_config_normalises_values(tmp_path):
    path = tmp_path / "run.json"
    path.write_text('{"run": {"tags": "a, b", "from_nodes": ["n1", "n2,n3"], '
                    '"only_missing_outputs": "true", "load_versions": "m:v1"}}')
    assert read_run_config(path) == {
        "tags": ["a", "b"], "from_nodes": ["n1", "n2", "n3"],
        "only_missing_outputs": True, "load_versions": {"m": "v1"},
    }


def test_read_run_config_rejects_wrong_types(tmp_path):
    path = tmp_path / "run.json"
    path.write_text('{"run": {"pipeline": ["a"]}}')
    with pytest.raises(RunOptionError, match="pipeline must be a string"):
        read_run_config(path)
    path.write_text('{"run": {"tags": 3}}')
    with pytest.raises(RunOptionError, match="tags must be a string or a list of strings"):
        read_run_config(path)


@pytest.mark.parametrize(
    "name, kind",
    [(None, SequentialRunner), ("ThreadRunner", ThreadRunner), ("ParallelRunner", ParallelRunner),
     ("minikedro.runner.SequentialRunner", SequentialRunner), ("minikedro.runner:ThreadRunner", ThreadRunner)],
)
def test_load_runner(name, kind):
    assert type(load_runner(name)) is kind


class RecordingRunner(SequentialRunner):
    def __init__(self, is_async=False, **kwargs):
        super().__init__(is_async=is_async)
        self.arguments = dict(kwargs, is_async=is_async)


class PoolRunner(SequentialRunner):
    def __init__(self, is_async=False, max_workers=1):
        super().__init__(is_async=is_async)


class PlainRunner(SequentialRunner):
    def __init__(self, is_async=False):
        super().__init__(is_async=is_async)


def test_load_runner_passes_is_async_and_params():
    runner = load_runner(f"{__name__}.RecordingRunner", True, {"max_workers": 3, "x": "y"})
    assert runner.arguments == {"is_async": True, "max_workers": 3, "x": "y"}
    with pytest.raises(RunOptionError, match=r"^PoolRunner does not take colour \(from "
                                             r"--runner-params\); it takes only: max_workers$"):
        load_runner(f"{__name__}:PoolRunner", params={"colour": "red"})
    with pytest.raises(RunOptionError, match=r"^PlainRunner does not take max_workers .*"
                                             r"it takes none$"):
        load_runner(f"{__name__}.PlainRunner", params={"max_workers": 2})
    with pytest.raises(RunOptionError, match=r"^cannot create ThreadRunner with max_workers=0: "):
        load_runner("ThreadRunner", params={"max_workers": 0})


@pytest.mark.parametrize(
    "name, message",
    [("Nope", r"^unknown runner 'Nope'; built-in runners: SequentialRunner, ThreadRunner, ParallelRunner"),
     ("nowhere.Runner", r"^unknown runner 'nowhere.Runner': no module 'nowhere'; "),
     ("minikedro.runner.NoSuchRunner", r"^unknown runner 'minikedro.runner.NoSuchRunner': no class of that name; "),
     ("json.JSONDecoder", r"^runner 'json.JSONDecoder' is not an AbstractRunner subclass; ")],
)
def test_load_runner_says_what_the_name_is_not(name, message):
    with pytest.raises(RunOptionError, match=message):
        load_runner(name)
