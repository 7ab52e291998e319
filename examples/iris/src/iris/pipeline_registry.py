"""The project's pipelines, by name: what `minikedro run --pipeline NAME` runs."""
from __future__ import annotations

from minikedro.framework.project import find_pipelines
from minikedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines()  # training, reporting (one folder each)
    pipelines["__default__"] = sum(pipelines.values())
    return pipelines
