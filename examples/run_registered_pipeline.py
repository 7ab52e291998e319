"""The seed page's "Running pipelines programmatically": a project's pipeline, a runner.

    python examples/run_registered_pipeline.py

``bootstrap_project`` does what ``minikedro run`` does first (import the
project, read its settings and registry); then the seed's code runs
``pipelines.get("__default__")`` against a catalog built from configuration,
here the iris project's, with every file dataset kept in memory instead.
"""
import importlib.util, pathlib, sys  # noqa: E401
if importlib.util.find_spec("minikedro") is None:  # not installed: use this checkout's copy
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from pathlib import Path

from minikedro.config import OmegaConfigLoader
from minikedro.framework.project import pipelines
from minikedro.framework.startup import bootstrap_project
from minikedro.io import DataCatalog
from minikedro.runner import SequentialRunner

project = Path(__file__).resolve().parent / "iris"
bootstrap_project(project)
config = OmegaConfigLoader(project / "conf", env="local")

# Load your catalog configuration: iris_raw from its CSV, everything else in memory.
catalog_config = {"iris_raw": dict(config["catalog"]["iris_raw"])}
catalog_config["iris_raw"]["filepath"] = str(project / catalog_config["iris_raw"]["filepath"])
catalog = DataCatalog.from_config(catalog_config)
catalog.add_parameters(config["parameters"])

pipeline = pipelines.get("__default__")
runner = SequentialRunner()

# Run the pipeline
output_datasets = runner.run(pipeline=pipeline, catalog=catalog)

# Load data for each output via catalog
for ds_name in output_datasets:
    data = catalog[ds_name].load()

# Load data for each output via dataset object
for ds_name, dataset in output_datasets.items():
    data = dataset.load()
    print(f"{ds_name}:\n{data}")
