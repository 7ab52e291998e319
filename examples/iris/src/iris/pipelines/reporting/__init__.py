"""Summarise the train and test splits with one modular pipeline, then report."""
from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
