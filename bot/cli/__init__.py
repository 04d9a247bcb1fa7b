"""The ``ofsted-bot`` command line: serve, ask, eval, calibrate, tune-encoder and the knowledge
commands.
"""

from bot.cli.commands import main

__all__ = ["main"]
