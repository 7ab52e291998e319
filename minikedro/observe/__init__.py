"""Looking at pipelines and runs after the fact: run records and pictures; never loaded by a plain run."""
