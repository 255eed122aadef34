from aiblint.server.client import main

raise SystemExit(main())
