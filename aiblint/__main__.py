from aiblint.client import main

raise SystemExit(main())
