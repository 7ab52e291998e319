"""How the training nodes connect; the catalog decides what is saved where."""
from minikedro.pipeline import Pipeline, node, pipeline

from .nodes import evaluate, predict, split_data, train_model


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                split_data,
                inputs=["iris_raw", "params:split"],
                outputs=["X_train", "X_test", "y_train", "y_test"],
                name="split_data_node",
                tags="preprocessing",
            ),
            node(
                train_model,
                inputs=["X_train", "y_train", "params:model"],
                outputs="model",
                name="train_model_node",
                tags="model",
            ),
            node(predict, inputs=["model", "X_test"], outputs="predictions",
                 name="predict_node", tags="model"),
            node(evaluate, inputs=["predictions", "y_test"], outputs="metrics",
                 name="evaluate_node", tags="report"),
        ]
    )
