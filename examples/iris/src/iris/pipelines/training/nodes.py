"""Pure functions: rows in, results out. No file is opened here."""
from __future__ import annotations

import logging
import math
import random

logger = logging.getLogger(__name__)

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def split_data(rows: list[dict], parameters: dict) -> tuple[list, list, list, list]:
    """Shuffle the rows (seeded) and split them into train and test features and labels."""
    rows = list(rows)
    random.Random(parameters["seed"]).shuffle(rows)
    n_test = round(len(rows) * parameters["test_fraction"])
    features = [[float(row[name]) for name in FEATURES] for row in rows]
    labels = [row["species"] for row in rows]
    return features[n_test:], features[:n_test], labels[n_test:], labels[:n_test]


class NearestCentroid:
    """Predicts the species whose mean feature vector is closest."""

    def __init__(self, centroids: dict[str, list[float]], distance: str) -> None:
        self.centroids = centroids
        self.distance = distance

    def _distance(self, a: list[float], b: list[float]) -> float:
        if self.distance == "manhattan":
            return sum(abs(x - y) for x, y in zip(a, b))
        return math.dist(a, b)

    def predict(self, features: list[list[float]]) -> list[str]:
        return [
            min(self.centroids, key=lambda species: self._distance(row, self.centroids[species]))
            for row in features
        ]


def train_model(features: list[list[float]], labels: list[str], parameters: dict) -> NearestCentroid:
    """Average each species' feature vectors."""
    by_species: dict[str, list[list[float]]] = {}
    for row, species in zip(features, labels):
        by_species.setdefault(species, []).append(row)
    centroids = {
        species: [sum(column) / len(rows) for column in zip(*rows)]
        for species, rows in sorted(by_species.items())
    }
    return NearestCentroid(centroids, parameters["distance"])


def predict(model: NearestCentroid, features: list[list[float]]) -> list[str]:
    return model.predict(features)


def evaluate(predicted: list[str], actual: list[str]) -> dict:
    """Accuracy overall and per species."""
    correct = [p == a for p, a in zip(predicted, actual)]
    accuracy = sum(correct) / len(actual)
    logger.info("Model accuracy on the test set: %.1f%%", accuracy * 100)
    per_species = {}
    for species in sorted(set(actual)):
        hits = [ok for ok, a in zip(correct, actual) if a == species]
        per_species[species] = round(sum(hits) / len(hits), 3)
    return {"accuracy": round(accuracy, 3), "n_test": len(actual), "per_species": per_species}
