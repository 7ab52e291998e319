"""The project layer, Kedro's ``kedro.framework``: ``project`` finds a project, ``config`` reads
``conf/``, ``context`` builds catalogs, ``session`` runs. The core never imports this package."""
