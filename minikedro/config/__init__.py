"""Configuration loaders where Kedro users import them from (``kedro.config``).

Public names: ``AbstractConfigLoader``, ``OmegaConfigLoader``,
``BadConfigException``, ``MissingConfigException``. They live in
:mod:`minikedro.framework.config`; this module only re-exports them, so that
``from kedro.config import OmegaConfigLoader`` becomes
``from minikedro.config import OmegaConfigLoader``::

    loader = OmegaConfigLoader(conf_source="conf", env="local")
    loader["catalog"], loader["parameters"], loader.get("spark", {})
"""
from minikedro.framework.config import (
    AbstractConfigLoader,
    BadConfigException,
    MissingConfigException,
    OmegaConfigLoader,
)

__all__ = [
    "AbstractConfigLoader",
    "BadConfigException",
    "MissingConfigException",
    "OmegaConfigLoader",
]
