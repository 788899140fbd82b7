"""Stage 5, the command line: the argparse front end and one module per command."""

from symbp.cli.main import main

__all__ = ["main"]
