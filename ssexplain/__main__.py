"""Command line: `python -m ssexplain build-index | ask | eval | check-content`."""
from ssexplain.cli import main

raise SystemExit(main())
