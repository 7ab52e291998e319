"""Configuration loaders where Kedro users import them from (``kedro.config``).

``from minikedro.config import OmegaConfigLoader``: the names live in
:mod:`minikedro.framework.config` and are re-exported here.
"""
from minikedro.framework.config import (AbstractConfigLoader, BadConfigException,
                                        MissingConfigException, OmegaConfigLoader)

__all__ = ["AbstractConfigLoader", "BadConfigException", "MissingConfigException", "OmegaConfigLoader"]
