from aiblint.server.client import console

raise SystemExit(console())
