"""Project settings. Every name is optional; these are the ones iris uses."""
from iris.hooks import RunSummaryHooks

HOOKS = (RunSummaryHooks(),)

# The defaults, spelled out as in Kedro's project template (kedro -> minikedro):
from minikedro.config import OmegaConfigLoader  # noqa: E402

CONF_SOURCE = "conf"
CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}
