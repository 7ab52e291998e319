"""Kedro's ``kedro.framework.cli``: only what a Kedro project's ``__main__.py`` imports (``utils``)."""
