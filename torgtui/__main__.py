from torgtui.cli import main

raise SystemExit(main())
