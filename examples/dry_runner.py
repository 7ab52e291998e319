"""The seed page's custom runner, with ``kedro`` replaced by ``minikedro``.

One more change: the seed imports ``PluginManager`` from ``pluggy`` for a type
annotation; minikedro's hook manager is ``minikedro.framework.hooks.PluginManager``.

Use it as the seed does: copy this file to ``src/<package_name>/runner.py`` and
run ``minikedro run --runner=<package_name>.runner.DryRunner``. Or straight from
here, on the iris example::

    python examples/dry_runner.py    # = minikedro run --project examples/iris --runner=dry_runner.DryRunner
"""
import importlib.util, pathlib, sys  # noqa: E401
if importlib.util.find_spec("minikedro") is None:  # not installed: use this checkout's copy
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

# in src/<package_name>/runner.py
from minikedro.io import DataCatalog
from minikedro.pipeline import Pipeline
from minikedro.runner.runner import AbstractRunner
from minikedro.framework.hooks import PluginManager


class DryRunner(AbstractRunner):
    """``DryRunner`` is an ``AbstractRunner`` implementation. It can be used to list which
    nodes would be run without actually executing anything. It also checks if all the
    necessary data exists.
    """

    def __init__(self, is_async: bool = False):
        """Instantiates the runner class.

        Args:
            is_async: If True, the node inputs and outputs are loaded and saved
                asynchronously with threads. Defaults to False.

        """
        super().__init__(is_async=is_async)

    def _get_executor(self, max_workers: int) -> None:
        return None

    def _run(
        self,
        pipeline: Pipeline,
        catalog: DataCatalog,
        hook_manager: PluginManager = None,
        run_id: str = None,
    ) -> None:
        """The method implementing dry pipeline running.
        Example logs output using this implementation:

            minikedro.runner.dry_runner - INFO - Actual run would execute 3 nodes:
            node3: identity([A]) -> [B]
            node2: identity([C]) -> [D]
            node1: identity([D]) -> [E]

        Args:
            pipeline: The ``Pipeline`` to run.
            catalog: The ``DataCatalog`` from which to fetch data.
            hook_manager: The ``PluginManager`` to activate hooks.
            run_id: The id of the run.

        """
        nodes = pipeline.nodes
        self._logger.info(
            "Actual run would execute %d nodes:\n%s",
            len(nodes),
            pipeline.describe(),
        )
        self._logger.info("Checking inputs...")
        input_names = pipeline.inputs()

        missing_inputs = [
            input_name
            for input_name in input_names
            if not catalog.get(input_name).exists()
        ]
        if missing_inputs:
            raise KeyError(f"Datasets {missing_inputs} not found.")


if __name__ == "__main__":
    from pathlib import Path

    from minikedro.cli import main

    # This file's folder is sys.path[0], so "dry_runner.DryRunner" imports it.
    iris = Path(__file__).resolve().parent / "iris"
    raise SystemExit(main(["run", "--project", str(iris), "--runner=dry_runner.DryRunner"]))
