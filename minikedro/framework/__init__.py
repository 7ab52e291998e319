"""The project layer, Kedro's ``kedro.framework``: what turns a folder of code and configuration into a run.

``project`` finds a project and holds its ``settings`` and ``pipelines``; ``config``
reads ``conf/``; ``context`` builds catalogs; ``session`` runs. The core (pipeline,
io, runner) never imports this package, and this file imports nothing.
"""
