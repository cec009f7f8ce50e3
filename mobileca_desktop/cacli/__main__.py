"""``python -m mobileca_desktop.cacli``: the same as the ``mobileca-ca`` command."""

from mobileca_desktop.cacli.main import main

raise SystemExit(main())
