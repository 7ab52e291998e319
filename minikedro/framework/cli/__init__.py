"""Where Kedro keeps its CLI helpers (``kedro.framework.cli``); see ``utils``.

minikedro's command line itself is :mod:`minikedro.cli`; this package only
holds the names a Kedro project template imports, so that its
``src/<package>/__main__.py`` (``python -m <package>``) keeps working after
``kedro`` becomes ``minikedro``.
"""
