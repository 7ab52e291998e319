"""Hooks: where a project adds behaviour to a run, and who is called there.

Public names: ``hook_impl``, ``PluginManager``, ``HOOK_SPECS`` (each hook and its
arguments), ``_create_hook_manager``. Kedro: ``kedro.framework.hooks`` on pluggy, whose
calling convention this keeps; ``minikedro.framework.hooks`` re-exports these names.

An implementation gets only the arguments it declares, read once at ``register``,
where mistakes surface. Order is pluggy's: last registered first, ``tryfirst`` and
``trylast`` to the front and back. A call returns the non-``None`` results; an
exception reaches the caller unchanged. ``has_impls(name)`` lets a runner skip a
hook nobody implements without building its arguments.
"""
from __future__ import annotations

import difflib
import inspect
from operator import itemgetter
from typing import Any, Callable, NamedTuple

__all__ = ["HOOK_SPECS", "PluginManager", "hook_impl"]

_NODE_ARGS = ("node", "catalog", "inputs", "is_async", "run_id")

#: Every hook a project may implement, with the arguments it is called with (Kedro 1.x's).
HOOK_SPECS: dict[str, tuple[str, ...]] = {
    "after_context_created": ("context",),
    "after_catalog_created": ("catalog", "conf_catalog", "conf_creds", "parameters",
                              "save_version", "load_versions"),
    "before_pipeline_run": ("run_params", "pipeline", "catalog"),
    "after_pipeline_run": ("run_params", "run_result", "pipeline", "catalog"),
    "on_pipeline_error": ("error", "run_params", "pipeline", "catalog"),
    "before_node_run": _NODE_ARGS,
    "after_node_run": _NODE_ARGS + ("outputs",),
    "on_node_error": ("error",) + _NODE_ARGS,
    "before_dataset_loaded": ("dataset_name", "node"),
    "after_dataset_loaded": ("dataset_name", "data", "node"),
    "before_dataset_saved": ("dataset_name", "data", "node"),
    "after_dataset_saved": ("dataset_name", "data", "node"),
}

_ALIASES = {"session_id": "run_id"}  # Kedro 0.19's name; its hooks keep working
_MARK = "minikedro_impl"
_OPTIONS = ("tryfirst", "trylast", "specname", "optionalhook", "hookwrapper", "wrapper")


def hook_impl(function: Callable | None = None, **options: Any) -> Any:
    """Mark a method (or module function) as a hook implementation.

    Bare, or with pluggy's options ``tryfirst``, ``trylast``, ``specname`` (the hook
    it implements, if not its own name) and ``optionalhook``; others: ``TypeError``.
    """
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(f"hook_impl() got unknown option(s) {', '.join(unknown)}; "
                        f"valid options are {', '.join(_OPTIONS)}")

    def mark(func: Callable) -> Callable:
        setattr(func, _MARK, dict(options))
        return func
    return mark(function) if function is not None else mark


class _Impl(NamedTuple):
    plugin_name: str
    arguments: tuple[str, ...] | None  # the hook's arguments it takes; None: all (**kwargs)
    call: Callable[[dict[str, Any]], Any]  # calls it with those, given all the hook's
    order: int  # 1 tryfirst, 0 plain, -1 trylast


class _HookCaller:
    """Calls every implementation of one hook, in order: ``manager.hook.<name>`` is its
    bound ``call``, which Python calls twice as fast as an object's ``__call__``."""

    def __init__(self, name: str) -> None:
        self.name, self._impls = name, []

    def call(self, *args: Any, **kwargs: Any) -> list[Any]:
        if args:
            raise TypeError(f"hook {self.name}() takes keyword arguments only")
        results = []
        for impl in self._impls:
            try:
                result = impl.call(kwargs)
            except KeyError:
                missing = sorted(set(impl.arguments or ()) - set(kwargs))
                if not missing:  # all were there: the implementation raised it
                    raise
                raise TypeError(f"hook {self.name}() was called without argument(s) "
                                f"{', '.join(missing)} that {impl.plugin_name} declares") from None
            if result is not None:
                results.append(result)
        return results

    def __repr__(self) -> str:
        return f"<HookCaller {self.name!r} impls={len(self._impls)}>"


class _HookNamespace:
    """``manager.hook``: one attribute per hook in ``HOOK_SPECS``."""

    def __getattr__(self, name: str) -> Any:  # reached for unknown names only
        raise AttributeError(f"no hook named {name!r}{_did_you_mean(name)}")


class PluginManager:
    """Keeps the registered hook implementations and calls them: Kedro's hook manager."""

    def __init__(self) -> None:
        self._callers = {name: _HookCaller(name) for name in HOOK_SPECS}
        self.hook = _HookNamespace()
        self.hook.__dict__.update({name: caller.call for name, caller in self._callers.items()})
        self._plugins: dict[str, Any] = {}  # name -> plugin, in registration order

    def register(self, plugin: Any, name: str | None = None) -> str:
        """Register every ``@hook_impl`` method of ``plugin`` (an object or module).

        Returns the name: ``name``, else the module's name or the object's id. Raises
        ``ValueError`` (nothing registered) for a plugin or name registered already, or a
        marked method that names no hook, declares an argument its hook lacks, or is a
        pluggy wrapper; ``TypeError`` for a hooks class given instead of an instance.
        """
        name = name or getattr(plugin, "__name__", None) or str(id(plugin))
        if self.is_registered(plugin):
            raise ValueError(f"plugin {name!r} is already registered")
        if name in self._plugins:
            raise ValueError(f"a plugin named {name!r} is already registered")
        impls = _find_impls(plugin, name)  # checks everything before changing anything
        self._plugins[name] = plugin
        for hook, impl in impls:
            ordered = self._callers[hook]._impls
            ordered.insert(0, impl)  # last registered first; the stable sort keeps that
            ordered.sort(key=lambda i: -i.order)
        return name

    def unregister(self, plugin: Any = None, name: str | None = None) -> Any:
        """Remove a plugin, given itself or its name, and return it (ValueError if unknown)."""
        if name is None:
            name = next((n for n, p in self._plugins.items() if p is plugin), None)
        if name not in self._plugins:
            raise ValueError(f"plugin {name or plugin!r} is not registered")
        for caller in self._callers.values():
            caller._impls = [i for i in caller._impls if i.plugin_name != name]
        return self._plugins.pop(name)

    def is_registered(self, plugin: Any) -> bool:
        return any(p is plugin for p in self._plugins.values())

    def get_plugins(self) -> set[Any]:
        return set(self._plugins.values())

    def get_plugin(self, name: str) -> Any:
        return self._plugins.get(name)

    def list_name_plugin(self) -> list[tuple[str, Any]]:
        return list(self._plugins.items())

    def has_impls(self, hook_name: str) -> bool:
        """Whether any plugin implements ``hook_name`` (ValueError if there is no such hook)."""
        try:
            return bool(self._callers[hook_name]._impls)
        except KeyError:
            raise ValueError(f"no hook named {hook_name!r}{_did_you_mean(hook_name)}") from None

    def wants(self, hook_name: str, argument: str) -> bool:
        """Whether an implementation of ``hook_name`` takes ``argument``: ship data only then."""
        return self.has_impls(hook_name) and any(
            impl.arguments is None or argument in impl.arguments
            for impl in self._callers[hook_name]._impls)

    def __repr__(self) -> str:
        return f"<PluginManager plugins={sorted(self._plugins)}>"


_create_hook_manager = PluginManager  # Kedro's name for making a manager with no plugins


def _find_impls(plugin: Any, plugin_name: str) -> list[tuple[str, _Impl]]:
    """Read and check every marked method of ``plugin``; raise on the first mistake."""
    found = []
    for attribute in dir(plugin):
        try:
            function = getattr(plugin, attribute)
        except Exception:  # a property that fails is no hook of ours
            continue
        options = getattr(function, _MARK, None)
        if options is None or not callable(function):
            continue
        owner = getattr(plugin, "__name__", None) or type(plugin).__name__  # a class, not an id
        where, hook = f"{owner}.{attribute}", options.get("specname") or attribute
        if isinstance(plugin, type) and not isinstance(
                inspect.getattr_static(plugin, attribute), (staticmethod, classmethod)):
            raise TypeError(f"hooks are registered as instances, but {plugin.__name__} is a class: "
                            f"have you forgotten the () when registering it? Write "
                            f"{plugin.__name__}() (as in HOOKS = ({plugin.__name__}(),))")
        if options.get("hookwrapper") or options.get("wrapper"):
            raise ValueError(f"{where} is a pluggy wrapper; minikedro's PluginManager calls plain "
                             f"implementations only: drop hookwrapper/wrapper and split it into "
                             f"before_/after_ hooks")
        if hook not in HOOK_SPECS and not options.get("optionalhook"):
            raise ValueError(f"{where} is marked @hook_impl but {hook!r} is no hook"
                             f"{_did_you_mean(hook)}")
        if hook in HOOK_SPECS:
            order = 1 if options.get("tryfirst") else -1 if options.get("trylast") else 0
            found.append((hook, _Impl(plugin_name, *_arguments(function, hook, where), order)))
    return found


def _arguments(function: Callable, hook: str, where: str
               ) -> tuple[tuple[str, ...] | None, Callable[[dict[str, Any]], Any]]:
    """The hook's arguments ``function`` takes (None: all, as ``**kwargs``), and a call of it
    with those: by position as pluggy does, taken with one ``itemgetter`` (hooks fire for every
    node); by name for those after ``*`` or after a parameter left to its default."""
    provided, keys, names, by_name, skipped = HOOK_SPECS[hook], [], [], False, False
    for param in inspect.signature(function).parameters.values():
        key = _ALIASES.get(param.name, param.name)
        if param.kind is param.VAR_KEYWORD:
            return None, lambda arguments: function(**arguments)
        if param.kind is param.VAR_POSITIONAL:
            continue
        if key in provided:
            keys.append(key)
            names.append(param.name)
            by_name = by_name or skipped or param.kind is param.KEYWORD_ONLY
        elif param.default is param.empty:
            raise ValueError(f"{where} declares argument {param.name!r}, which hook {hook} does "
                             f"not provide; it provides: {', '.join(provided)}")
        else:
            skipped = True
    if by_name or not keys:
        return tuple(keys), lambda arguments: function(
            **{name: arguments[key] for name, key in zip(names, keys)})
    pick = itemgetter(*keys)  # one key: its value; several: a tuple
    if len(keys) == 1:
        return tuple(keys), lambda arguments: function(pick(arguments))
    return tuple(keys), lambda arguments: function(*pick(arguments))


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, HOOK_SPECS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; hooks are: {', '.join(HOOK_SPECS)}"
