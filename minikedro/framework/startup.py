"""Kedro's import path for finding and bootstrapping a project (``kedro.framework.startup``).

The code lives in :mod:`minikedro.framework.project`, with the settings and the
pipelines that bootstrapping configures.
"""
from minikedro.framework.project import (ProjectError, ProjectMetadata, bootstrap_project,
                                         find_project, read_project_metadata)

__all__ = ["ProjectError", "ProjectMetadata", "bootstrap_project", "find_project",
           "read_project_metadata"]
