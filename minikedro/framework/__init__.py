"""The project layer: what turns a folder of code and configuration into a run.

Mirrors ``kedro.framework``. Nothing here is imported by the core (pipeline, io,
runner); the core knows nothing of projects. Import the submodules you need:

- :mod:`minikedro.framework.startup`  - find a project, read ``[tool.minikedro]``,
  ``bootstrap_project``.
- :mod:`minikedro.framework.project`  - ``settings``, ``pipelines``,
  ``find_pipelines``, ``configure_project``.
- :mod:`minikedro.framework.config`   - read ``conf/``: ``OmegaConfigLoader``
  (file reading in ``config_files``, ``${...}`` in ``config_resolvers``).
- :mod:`minikedro.framework.context`  - ``KedroContext``: catalog and parameters
  (``catalog_commands``: ``describe_datasets`` and friends).
- :mod:`minikedro.framework.session`  - ``KedroSession``: one run, with hooks.
- :mod:`minikedro.framework.hooks`    - ``hook_impl``, ``PluginManager``.
- :mod:`minikedro.framework.project_logging` - the project's logging config.
- :mod:`minikedro.framework.cli_commands`, ``run_options``, ``starter``,
  ``yaml_text`` - what the ``minikedro`` commands do.

This file imports nothing, so ``import minikedro.framework.project`` stays cheap.
"""
