"""Stage 5, the command line: the argparse front end and one module per command."""

from symbp.interrupts import exit_quietly

# The console script's first import: a signal while the commands load ends symbp in one line
# (nothing is written yet, so there is nothing to clean up).
with exit_quietly():
    from symbp.cli.main import main

__all__ = ["main"]
