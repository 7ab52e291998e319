"""Kedro's ``kedro.config``: the loaders of :mod:`minikedro.framework.config`, re-exported."""
from minikedro.framework.config import (AbstractConfigLoader, BadConfigException,
                                        MissingConfigException, OmegaConfigLoader)

__all__ = ["AbstractConfigLoader", "BadConfigException", "MissingConfigException", "OmegaConfigLoader"]
