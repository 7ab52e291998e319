"""The project layer: what turns a folder of code and configuration into a run.

Mirrors ``kedro.framework``. Nothing here is imported by the core (pipeline, io,
runner); the core knows nothing of projects. Import the submodules you need:

- :mod:`minikedro.framework.startup`  - find a project, read ``[tool.minikedro]``,
  ``bootstrap_project``.
- :mod:`minikedro.framework.project`  - ``settings``, ``pipelines``,
  ``find_pipelines``, ``configure_project``.
- :mod:`minikedro.framework.config`   - read ``conf/`` (TOML, JSON, YAML).
- :mod:`minikedro.framework.context`  - ``KedroContext``: catalog and parameters.
- :mod:`minikedro.framework.session`  - ``KedroSession``: one run, with hooks.
- :mod:`minikedro.framework.hooks`    - ``hook_impl``, ``PluginManager``.

This file imports nothing, so ``import minikedro.framework.project`` stays cheap.
"""
