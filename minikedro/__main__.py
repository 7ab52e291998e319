"""``python -m minikedro``: hand over to the command line interface."""
from minikedro.cli import main

raise SystemExit(main())
