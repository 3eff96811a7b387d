"""``python -m publish``."""

from publish.cli import run

run()
