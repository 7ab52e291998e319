"""Hooks: the points where a project adds behaviour to a run, and who is called there.

Public names: ``hook_impl`` (the marker decorator), ``PluginManager`` (the hook
manager), ``HOOK_SPECS`` (every hook's name and the arguments it receives) and
``_create_hook_manager`` (Kedro's name for "an empty manager").

Kedro counterpart: ``kedro.framework.hooks``, which builds on pluggy. This module
keeps pluggy's calling convention, so hooks written for Kedro work unchanged::

    class TimingHooks:
        @hook_impl
        def before_node_run(self, node):          # declares only what it needs
            print("starting", node.name)

    manager = PluginManager()
    manager.register(TimingHooks())
    manager.hook.before_node_run(node=n, catalog=c, inputs={}, is_async=False, run_id=None)

What a reader should know:

- Each implementation receives only the arguments it declares. Its signature is
  read once, at ``register``; a call then costs one dict comprehension per
  implementation. A hook with no implementation costs one attribute look-up, and
  ``manager.has_impls(name)`` lets the runner skip building arguments at all.
- Mistakes surface at ``register``, not mid-run: an unknown hook name (with the
  closest real one suggested) or an argument the hook does not provide.
- Order is pluggy's: the implementation registered last runs first;
  ``@hook_impl(tryfirst=True)`` / ``(trylast=True)`` move it to the front / back.
- A call returns the list of non-``None`` results. An exception from an
  implementation reaches the caller unchanged.
- Not supported: pluggy's ``hookwrapper``/``wrapper`` implementations (refused
  at ``register`` with a clear error) and setuptools entry points (the framework
  loads those itself).
"""
from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable, NamedTuple

__all__ = ["HOOK_SPECS", "PluginManager", "hook_impl"]

_NODE_ARGS = ("node", "catalog", "inputs", "is_async", "run_id")

#: Every hook a project may implement, with the arguments it is called with.
#: Names and arguments are Kedro 1.x's.
HOOK_SPECS: dict[str, tuple[str, ...]] = {
    "after_context_created": ("context",),
    "after_catalog_created": (
        "catalog", "conf_catalog", "conf_creds", "parameters", "save_version", "load_versions",
    ),
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

# Kedro 0.19 called ``run_id`` ``session_id``; hooks written for it keep working.
_ALIASES = {"session_id": "run_id"}

_MARK = "minikedro_impl"
_OPTIONS = ("tryfirst", "trylast", "specname", "optionalhook", "hookwrapper", "wrapper")


def hook_impl(function: Callable | None = None, **options: Any) -> Any:
    """Mark a method (or module function) as a hook implementation.

    Use it bare (``@hook_impl``) or with pluggy's options
    (``@hook_impl(tryfirst=True)``): ``tryfirst``, ``trylast``, ``specname``
    (implement the hook of that name under another method name) and
    ``optionalhook`` (do not complain if no such hook exists).

    Raises:
        TypeError: An option pluggy does not know.
    """
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(
            f"hook_impl() got unknown option(s) {', '.join(unknown)}; "
            f"valid options are {', '.join(_OPTIONS)}"
        )

    def mark(func: Callable) -> Callable:
        setattr(func, _MARK, dict(options))
        return func

    return mark(function) if function is not None else mark


class _Impl(NamedTuple):
    plugin_name: str
    function: Callable
    # (parameter name, key of the call's keyword arguments); None: takes **kwargs.
    arguments: tuple[tuple[str, str], ...] | None
    order: int  # 1 tryfirst, 0 plain, -1 trylast


class _HookCaller:
    """``manager.hook.<name>``: calls every implementation of one hook."""

    __slots__ = ("name", "_impls")

    def __init__(self, name: str) -> None:
        self.name = name
        self._impls: list[_Impl] = []  # in call order

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        if args:
            raise TypeError(f"hook {self.name}() takes keyword arguments only")
        results = []
        for impl in self._impls:
            if impl.arguments is None:
                result = impl.function(**kwargs)
            else:
                try:
                    chosen = {param: kwargs[key] for param, key in impl.arguments}
                except KeyError:
                    missing = sorted(k for _, k in impl.arguments if k not in kwargs)
                    raise TypeError(
                        f"hook {self.name}() was called without argument(s) "
                        f"{', '.join(missing)} that {impl.plugin_name} declares"
                    ) from None
                result = impl.function(**chosen)
            if result is not None:
                results.append(result)
        return results

    def _add(self, impl: _Impl) -> None:
        # pluggy's order: last registered first; tryfirst/trylast win over that.
        self._impls.insert(0, impl)
        self._impls.sort(key=lambda i: -i.order)  # stable: keeps LIFO within a group

    def __repr__(self) -> str:
        return f"<HookCaller {self.name!r} impls={len(self._impls)}>"


class _HookNamespace:
    """The ``manager.hook`` object: one attribute per hook in ``HOOK_SPECS``."""

    def __getattr__(self, name: str) -> Any:  # only reached for unknown names
        raise AttributeError(f"no hook named {name!r}{_did_you_mean(name)}")


class PluginManager:
    """Keeps the registered hook implementations and calls them: Kedro's hook manager.

    Example:
        >>> manager = PluginManager()
        >>> manager.register(MyHooks())
        >>> manager.hook.after_context_created(context=ctx)
    """

    def __init__(self) -> None:
        self.hook = _HookNamespace()
        self._callers: dict[str, _HookCaller] = {}
        for name in HOOK_SPECS:
            caller = _HookCaller(name)
            self._callers[name] = caller
            setattr(self.hook, name, caller)
        self._plugins: dict[str, Any] = {}  # name -> plugin, in registration order

    def register(self, plugin: Any, name: str | None = None) -> str:
        """Register every ``@hook_impl`` method of ``plugin``.

        Args:
            plugin: An object (or module) whose marked methods implement hooks.
            name: The name to register it under; default the module name or the
                object's id, as pluggy does.

        Returns:
            The name the plugin was registered under.

        Raises:
            ValueError: The plugin or name is already registered, a marked method
                names no hook, declares an argument its hook does not provide, or
                is a pluggy wrapper.
            TypeError: ``plugin`` is a hooks class rather than an instance of it.
        """
        name = name or getattr(plugin, "__name__", None) or str(id(plugin))
        if self.is_registered(plugin):
            raise ValueError(f"plugin {name!r} is already registered")
        if name in self._plugins:
            raise ValueError(f"a plugin named {name!r} is already registered")
        impls = _find_impls(plugin, name)  # checks everything before changing anything
        self._plugins[name] = plugin
        for hook, impl in impls:
            self._callers[hook]._add(impl)
        return name

    def unregister(self, plugin: Any = None, name: str | None = None) -> Any:
        """Remove a plugin (given itself or its name) and return it.

        Raises:
            ValueError: Neither is registered.
        """
        if name is None:
            name = next((n for n, p in self._plugins.items() if p is plugin), None)
        if name not in self._plugins:
            raise ValueError(f"plugin {name or plugin!r} is not registered")
        removed = self._plugins.pop(name)
        for caller in self._callers.values():
            caller._impls = [i for i in caller._impls if i.plugin_name != name]
        return removed

    def is_registered(self, plugin: Any) -> bool:
        """Tell whether ``plugin`` (the object itself) is registered."""
        return any(p is plugin for p in self._plugins.values())

    def get_plugins(self) -> set[Any]:
        """Return the registered plugins."""
        return set(self._plugins.values())

    def get_plugin(self, name: str) -> Any:
        """Return the plugin registered under ``name``, or ``None``."""
        return self._plugins.get(name)

    def list_name_plugin(self) -> list[tuple[str, Any]]:
        """Return ``(name, plugin)`` pairs in registration order."""
        return list(self._plugins.items())

    def has_impls(self, hook_name: str) -> bool:
        """Tell whether any plugin implements ``hook_name``, so callers can skip the call.

        Raises:
            ValueError: ``hook_name`` is not a hook.
        """
        try:
            return bool(self._callers[hook_name]._impls)
        except KeyError:
            raise ValueError(f"no hook named {hook_name!r}{_did_you_mean(hook_name)}") from None

    def wants(self, hook_name: str, argument: str) -> bool:
        """Tell whether an implementation of ``hook_name`` takes ``argument``.

        A runner that must ship data between processes asks this before
        sending it; an implementation taking ``**kwargs`` wants everything.

        Raises:
            ValueError: ``hook_name`` is not a hook.
        """
        if not self.has_impls(hook_name):
            return False
        return any(
            impl.arguments is None or any(key == argument for _, key in impl.arguments)
            for impl in self._callers[hook_name]._impls
        )

    def __repr__(self) -> str:
        return f"<PluginManager plugins={sorted(self._plugins)}>"


def _create_hook_manager() -> PluginManager:
    """Return a manager with no plugins (Kedro's name for it)."""
    return PluginManager()


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
        where = f"{owner}.{attribute}"
        if isinstance(plugin, type) and not isinstance(
            inspect.getattr_static(plugin, attribute), (staticmethod, classmethod)
        ):
            raise TypeError(
                f"hooks are registered as instances, but {plugin.__name__} is a class: "
                f"have you forgotten the () when registering it? Write "
                f"{plugin.__name__}() (as in HOOKS = ({plugin.__name__}(),))"
            )
        hook = options.get("specname") or attribute
        if options.get("hookwrapper") or options.get("wrapper"):
            raise ValueError(
                f"{where} is a pluggy wrapper; minikedro's PluginManager calls plain "
                f"implementations only: drop hookwrapper/wrapper and split it into "
                f"before_/after_ hooks"
            )
        if hook not in HOOK_SPECS:
            if options.get("optionalhook"):
                continue
            raise ValueError(f"{where} is marked @hook_impl but {hook!r} is no hook"
                             f"{_did_you_mean(hook)}")
        order = 1 if options.get("tryfirst") else -1 if options.get("trylast") else 0
        found.append((hook, _Impl(plugin_name, function, _arguments(function, hook, where), order)))
    return found


def _arguments(function: Callable, hook: str, where: str) -> tuple[tuple[str, str], ...] | None:
    """Map the implementation's parameters to the hook's arguments, once."""
    provided = HOOK_SPECS[hook]
    chosen = []
    for param in inspect.signature(function).parameters.values():
        if param.kind is param.VAR_KEYWORD:
            return None
        if param.kind is param.VAR_POSITIONAL:
            continue
        key = _ALIASES.get(param.name, param.name)
        if key in provided:
            chosen.append((param.name, key))
        elif param.default is param.empty:
            raise ValueError(
                f"{where} declares argument {param.name!r}, which hook {hook} does not "
                f"provide; it provides: {', '.join(provided)}"
            )
    return tuple(chosen)


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, HOOK_SPECS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; hooks are: {', '.join(HOOK_SPECS)}"
