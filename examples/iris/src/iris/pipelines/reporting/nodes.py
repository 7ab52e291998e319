"""Summaries and a Markdown report, from plain lists and dicts."""
from __future__ import annotations

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def summarise_split(features: list[list[float]], labels: list[str], parameters: dict) -> dict:
    """Row count and mean of each feature, per species."""
    by_species: dict[str, list[list[float]]] = {}
    for row, species in zip(features, labels):
        by_species.setdefault(species, []).append(row)
    return {
        species: {
            "rows": len(rows),
            "means": {
                name: round(sum(column) / len(rows), parameters["decimals"])
                for name, column in zip(FEATURES, zip(*rows))
            },
        }
        for species, rows in sorted(by_species.items())
    }


def write_report(metrics: dict, train: dict, test: dict, parameters: dict) -> str:
    lines = [
        "# Iris nearest-centroid model",
        "",
        f"Accuracy on {metrics['n_test']} test rows: {metrics['accuracy']:.{parameters['decimals']}%}",
        "",
        "| species | train rows | test rows | test accuracy |",
        "| --- | --- | --- | --- |",
    ]
    for species in sorted(train):
        test_rows = test.get(species, {}).get("rows", 0)
        accuracy = metrics["per_species"].get(species, 0.0)
        lines.append(f"| {species} | {train[species]['rows']} | {test_rows} | {accuracy:.0%} |")
    return "\n".join(lines) + "\n"
