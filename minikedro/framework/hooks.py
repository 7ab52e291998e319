"""Kedro's import path for the hooks (``kedro.framework.hooks``); they live in ``minikedro.hooks``."""
from minikedro.hooks import HOOK_SPECS, PluginManager, _create_hook_manager, hook_impl

__all__ = ["HOOK_SPECS", "PluginManager", "_create_hook_manager", "hook_impl"]
