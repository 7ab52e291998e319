"""Kedro's ``kedro.framework.startup``: finding and bootstrapping a project, from :mod:`.project`."""
from minikedro.framework.project import (ProjectError, ProjectMetadata, bootstrap_project,
                                         find_project, read_project_metadata)

__all__ = ["ProjectError", "ProjectMetadata", "bootstrap_project", "find_project",
           "read_project_metadata"]
