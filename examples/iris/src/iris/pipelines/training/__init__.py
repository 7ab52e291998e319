"""Split the data, fit a nearest-centroid model, predict and score it."""
from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
