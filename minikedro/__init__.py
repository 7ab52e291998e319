"""minikedro: Kedro's pipeline model on nothing but the Python standard library.

Importing this package is deliberately cheap: it holds only the version. Import
what you use from the sub-packages, as in Kedro::

    from minikedro.pipeline import node, pipeline
    from minikedro.io import DataCatalog, MemoryDataset
    from minikedro.runner import SequentialRunner
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
