"""iris: a minikedro example project (nearest-centroid classification, plain Python)."""

__version__ = "0.1.0"
