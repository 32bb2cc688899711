from hic.cli import main

raise SystemExit(main())
