"""``run_cli``: the ``ofsted-bot`` CLI as a user runs it, in a process of its own.

Its environment is ``bot_env``'s (no Slack variables from outside, the model offline, an
in-memory feedback database) with the repository's embedding cache; ``env`` changes it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .bot_process import REPO_ROOT, bot_env

BIN = Path(sys.executable).parent / "ofsted-bot"  # the console script pip installed
CACHE_DIR = REPO_ROOT / ".cache" / "embeddings"
# A strict UTF-8 terminal, as most are: invalid bytes are not silently passed through.
STRICT_UTF8 = {"PYTHONIOENCODING": "utf-8:strict"}


def run_cli(
    *args: str | bytes,
    stdin: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float = 300,
) -> subprocess.CompletedProcess[Any]:
    """``ofsted-bot *args`` to the end, its output captured; it never raises on a non-zero exit.

    Text in, text out: stdout and stderr are ``str`` unless ``stdin`` or an argument is ``bytes``,
    when they are ``bytes`` too. ``env`` adds variables to the environment (None removes one).
    """
    binary = isinstance(stdin, bytes) or any(isinstance(arg, bytes) for arg in args)
    return subprocess.run(
        [str(BIN), *args],
        input=stdin,
        capture_output=True,
        text=not binary,
        env=bot_env(CACHE_DIR=str(CACHE_DIR), **(env or {})),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
