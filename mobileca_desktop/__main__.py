"""``python -m mobileca_desktop``: the same as the ``mobileca`` command."""

from mobileca_desktop.cli import main

raise SystemExit(main())
