"""One folder per pipeline; find_pipelines() discovers each create_pipeline()."""
