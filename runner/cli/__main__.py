"""`python -m runner.cli`: the same as the `flowrun` command."""

from runner.cli import main

main()
