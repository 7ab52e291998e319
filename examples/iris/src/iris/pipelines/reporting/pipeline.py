"""A modular pipeline reused under two namespaces, plus the final report.

``summary_pipeline()`` is written once with generic names (``features``,
``labels``, ``summary``). ``pipeline(..., namespace="train")`` renames its
outputs to ``train.summary`` and its node to ``train.summarise_split``, while
``inputs=`` wires the generic inputs to the real datasets.
"""
from minikedro.pipeline import Pipeline, node, pipeline

from .nodes import summarise_split, write_report


def summary_pipeline() -> Pipeline:
    return pipeline(
        [node(summarise_split, inputs=["features", "labels", "params:report"],
              outputs="summary", name="summarise_split")]
    )


def create_pipeline(**kwargs) -> Pipeline:
    summaries = [
        pipeline(
            summary_pipeline(),
            namespace=split,
            inputs={"features": f"X_{split}", "labels": f"y_{split}"},
            parameters={"params:report": "params:report"},
            tags="report",
        )
        for split in ("train", "test")
    ]
    report = node(
        write_report,
        inputs=["metrics", "train.summary", "test.summary", "params:report"],
        outputs="report",
        name="write_report_node",
        tags="report",
    )
    return sum(summaries) + pipeline([report])
