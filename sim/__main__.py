"""``python -m sim``: the same as the ``dcsim`` command."""

from sim.cli import main

raise SystemExit(main())
