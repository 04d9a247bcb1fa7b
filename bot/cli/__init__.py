"""The ``ofsted-bot`` command line: serve, ask, eval, calibrate, tune-encoder and the knowledge
commands.
"""

from bot.cli.program import main

__all__ = ["main"]
