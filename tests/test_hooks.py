"""Tests for minikedro.hooks: hook_impl, PluginManager and the hook specs."""
from __future__ import annotations

import subprocess
import sys
import types

import pytest

from minikedro.hooks import HOOK_SPECS, PluginManager, _create_hook_manager, hook_impl

NODE_ARGS = dict(node="n", catalog="c", inputs={}, is_async=False, run_id="r1")


class Tracker:
    def __init__(self, label="t"):
        self.label = label
        self.seen = []

    @hook_impl
    def before_node_run(self, node, run_id):
        self.seen.append((node, run_id))
        return {"x": self.label}

    @hook_impl
    def after_context_created(self, context):
        self.seen.append(context)

    def not_a_hook(self):
        raise AssertionError("unmarked methods are never called")


def test_an_implementation_receives_only_the_arguments_it_declares():
    manager = PluginManager()
    tracker = Tracker()
    manager.register(tracker)
    results = manager.hook.before_node_run(**NODE_ARGS)
    assert tracker.seen == [("n", "r1")]
    assert results == [{"x": "t"}]


def test_a_call_returns_the_non_none_results_last_registered_first():
    manager = PluginManager()

    class Quiet:
        @hook_impl
        def before_node_run(self):
            return None

    first, second = Tracker("first"), Tracker("second")
    for plugin in (first, Quiet(), second):
        manager.register(plugin)
    assert manager.hook.before_node_run(**NODE_ARGS) == [{"x": "second"}, {"x": "first"}]


def test_tryfirst_and_trylast_reorder_implementations():
    manager = PluginManager()
    order = []

    def plugin(label, **options):
        class P:
            @hook_impl(**options)
            def after_context_created(self):
                order.append(label)
        return P()

    manager.register(plugin("late", trylast=True))
    manager.register(plugin("plain-1"))
    manager.register(plugin("early", tryfirst=True))
    manager.register(plugin("plain-2"))
    manager.hook.after_context_created(context=None)
    assert order == ["early", "plain-2", "plain-1", "late"]


def test_kedro_0_19_session_id_receives_the_run_id():
    manager = PluginManager()

    class OldStyle:
        @hook_impl
        def after_node_run(self, node, session_id):
            self.got = session_id

    plugin = OldStyle()
    manager.register(plugin)
    manager.hook.after_node_run(**NODE_ARGS, outputs={})
    assert plugin.got == "r1"


def test_var_keyword_implementations_receive_everything():
    manager = PluginManager()

    class Everything:
        @hook_impl
        def before_dataset_loaded(self, **kwargs):
            self.got = kwargs

    plugin = Everything()
    manager.register(plugin)
    manager.hook.before_dataset_loaded(dataset_name="a", node="n")
    assert plugin.got == {"dataset_name": "a", "node": "n"}


def test_an_unknown_hook_name_is_refused_at_register_with_a_suggestion():
    class Typo:
        @hook_impl
        def before_node_runs(self, node):
            pass

    with pytest.raises(ValueError, match=r"Typo.before_node_runs is marked @hook_impl but "
                                         r"'before_node_runs' is no hook \(did you mean "
                                         r"'before_node_run'\?\)"):
        PluginManager().register(Typo(), name="Typo")


def test_an_argument_the_hook_does_not_provide_is_refused_at_register():
    class Wrong:
        @hook_impl
        def after_dataset_saved(self, dataset_name, outputs):
            pass

    with pytest.raises(ValueError, match=r"declares argument 'outputs', which hook "
                                         r"after_dataset_saved does not provide; it provides: "
                                         r"dataset_name, data, node"):
        PluginManager().register(Wrong())


def test_an_extra_argument_with_a_default_is_allowed_and_left_alone():
    class Defaulted:
        @hook_impl
        def after_context_created(self, context, extra="kept"):
            self.got = (context, extra)

    plugin = Defaulted()
    manager = PluginManager()
    manager.register(plugin)
    manager.hook.after_context_created(context="ctx")
    assert plugin.got == ("ctx", "kept")


def test_a_refused_plugin_leaves_no_half_registration():
    class HalfBad:
        @hook_impl
        def after_context_created(self, context):
            pass

        @hook_impl
        def nonsense(self):
            pass

    manager = PluginManager()
    with pytest.raises(ValueError):
        manager.register(HalfBad())
    assert manager.get_plugins() == set()
    assert not manager.has_impls("after_context_created")


def test_pluggy_wrappers_and_unknown_options_are_refused():
    with pytest.raises(TypeError, match="unknown option"):
        hook_impl(sometimes=True)

    class Wrapper:
        @hook_impl(hookwrapper=True)
        def before_node_run(self):
            yield

    with pytest.raises(ValueError, match="is a pluggy wrapper"):
        PluginManager().register(Wrapper())


def test_specname_and_optionalhook():
    class Renamed:
        @hook_impl(specname="after_context_created")
        def remember(self, context):
            self.got = context

        @hook_impl(optionalhook=True)
        def from_a_newer_kedro(self):
            pass

    plugin = Renamed()
    manager = PluginManager()
    manager.register(plugin)
    manager.hook.after_context_created(context=1)
    assert plugin.got == 1


def test_calls_take_keyword_arguments_and_name_a_missing_one():
    manager = PluginManager()
    manager.register(Tracker(), name="tracker")
    with pytest.raises(TypeError, match="keyword arguments only"):
        manager.hook.before_node_run("n")
    with pytest.raises(TypeError, match="without argument\\(s\\) run_id that tracker declares"):
        manager.hook.before_node_run(node="n")


def test_an_implementation_error_reaches_the_caller_unchanged():
    class Broken:
        @hook_impl
        def after_context_created(self):
            raise KeyError("mine")

    manager = PluginManager()
    manager.register(Broken())
    with pytest.raises(KeyError, match="mine"):
        manager.hook.after_context_created(context=None)


def test_registering_unregistering_and_asking():
    manager = PluginManager()
    tracker = Tracker()
    name = manager.register(tracker, name="tracking")
    assert name == "tracking"
    assert manager.is_registered(tracker)
    assert manager.get_plugins() == {tracker}
    assert manager.get_plugin("tracking") is tracker
    assert manager.list_name_plugin() == [("tracking", tracker)]
    assert manager.has_impls("before_node_run") and not manager.has_impls("on_node_error")
    with pytest.raises(ValueError, match="already registered"):
        manager.register(tracker)
    with pytest.raises(ValueError, match="a plugin named 'tracking' is already registered"):
        manager.register(Tracker(), name="tracking")

    assert manager.unregister(tracker) is tracker
    assert not manager.is_registered(tracker)
    assert manager.hook.before_node_run(**NODE_ARGS) == []
    with pytest.raises(ValueError, match="is not registered"):
        manager.unregister(name="tracking")


def test_a_module_can_be_a_plugin():
    module = types.ModuleType("my_hooks")
    seen = []

    @hook_impl
    def after_context_created(context):
        seen.append(context)

    module.after_context_created = after_context_created
    manager = PluginManager()
    assert manager.register(module) == "my_hooks"
    manager.hook.after_context_created(context="ctx")
    assert seen == ["ctx"]


def test_unknown_hook_names_are_clear_errors():
    manager = _create_hook_manager()
    with pytest.raises(AttributeError, match="no hook named 'after_node_runn'.*'after_node_run'"):
        manager.hook.after_node_runn
    with pytest.raises(ValueError, match="no hook named 'bogus'"):
        manager.has_impls("bogus")


def test_the_specs_are_kedros():
    assert set(HOOK_SPECS) == {
        "after_context_created", "after_catalog_created", "before_pipeline_run",
        "after_pipeline_run", "on_pipeline_error", "before_node_run", "after_node_run",
        "on_node_error", "before_dataset_loaded", "after_dataset_loaded",
        "before_dataset_saved", "after_dataset_saved",
    }
    assert HOOK_SPECS["on_node_error"] == ("error", "node", "catalog", "inputs", "is_async", "run_id")
    assert HOOK_SPECS["after_dataset_loaded"] == ("dataset_name", "data", "node")


def test_reprs():
    manager = PluginManager()
    manager.register(Tracker(), name="t")
    assert repr(manager) == "<PluginManager plugins=['t']>"
    assert repr(manager.hook.before_node_run).endswith(" of <HookCaller 'before_node_run' impls=1>>")


def test_wants_tells_which_arguments_implementations_declare():
    class Lean:
        @hook_impl
        def after_node_run(self, node):
            pass

    class Greedy:
        @hook_impl
        def after_dataset_saved(self, **kwargs):
            pass

    manager = PluginManager()
    manager.register(Lean())
    manager.register(Greedy())
    assert manager.wants("after_node_run", "node")
    assert not manager.wants("after_node_run", "outputs")
    assert manager.wants("after_dataset_saved", "data")  # **kwargs takes everything
    assert not manager.wants("before_node_run", "inputs")  # nobody implements it
    with pytest.raises(ValueError, match="no hook named 'after_nod_run'"):
        manager.wants("after_nod_run", "node")


def test_registering_the_class_instead_of_an_instance_says_so():
    manager = PluginManager()
    with pytest.raises(TypeError, match="hooks are registered as instances, but Tracker is a "
                                        "class: have you forgotten the \\(\\)"):
        manager.register(Tracker)

    class Static:  # pluggy accepts a class whose hooks are static methods; so do we
        @staticmethod
        @hook_impl
        def after_context_created(context):
            Static.got = context

    manager.register(Static)
    manager.hook.after_context_created(context="ctx")
    assert Static.got == "ctx"


def test_kedros_import_path_gives_the_same_objects():
    import minikedro.framework.hooks as framework_hooks
    import minikedro.hooks as core_hooks

    for name in ("HOOK_SPECS", "PluginManager", "_create_hook_manager", "hook_impl"):
        assert getattr(framework_hooks, name) is getattr(core_hooks, name)


def test_a_plain_run_does_not_import_the_project_layer():
    code = ("import sys; from minikedro.pipeline import Pipeline, node; "
            "from minikedro.io import DataCatalog; from minikedro.runner import SequentialRunner; "
            "SequentialRunner().run(Pipeline([node(abs, 'x', 'y')]), DataCatalog(raw_data={'x': -1})); "
            "print(sorted(m for m in sys.modules if m.startswith('minikedro.framework')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_arguments_out_of_positional_reach_are_passed_by_name():
    class Odd:
        @hook_impl
        def before_node_run(self, node, extra="kept", *, run_id):
            self.before = (node, extra, run_id)

        @hook_impl
        def after_node_run(self, outputs, *args, session_id):
            self.after = (outputs, args, session_id)

    plugin, manager = Odd(), PluginManager()
    manager.register(plugin)
    manager.hook.before_node_run(**NODE_ARGS)
    manager.hook.after_node_run(**NODE_ARGS, outputs={"y": 1})
    assert plugin.before == ("n", "kept", "r1")
    assert plugin.after == ({"y": 1}, (), "r1")
