"""``run_cli``: the ``ofsted-bot`` CLI as a user runs it, and ``run_cli_process`` in a process of
its own.

Its environment is ``bot_env``'s (no Slack variables from outside, the model offline, an
in-memory feedback database) with the repository's embedding cache; ``env`` changes it.
``run_cli`` calls the CLI's ``main`` in this process (the model is loaded once per session, not
once per call), with that environment, directory, stdin, stdout and stderr swapped in for the
call; bytes in, or a Python setting in ``env`` (``PYTHONIOENCODING``), take a process of its
own, as does any test that needs the real console script (``run_cli_process``).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .bot_process import REPO_ROOT, bot_env

BIN = Path(sys.executable).parent / "ofsted-bot"  # the console script pip installed
CACHE_DIR = REPO_ROOT / ".cache" / "embeddings"
# A strict UTF-8 terminal, as most are: invalid bytes are not silently passed through.
STRICT_UTF8 = {"PYTHONIOENCODING": "utf-8:strict"}


def run_cli_process(
    *args: str | bytes,
    stdin: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float = 300,
) -> subprocess.CompletedProcess[Any]:
    """``ofsted-bot *args`` in a process of its own, to the end, its output captured; it never
    raises on a non-zero exit.

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


# One in-process call at a time: the environment, directory and standard streams are global.
_IN_PROCESS = threading.Lock()


def run_cli(
    *args: str | bytes,
    stdin: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float = 300,
) -> subprocess.CompletedProcess[Any]:
    """``ofsted-bot *args`` as ``run_cli_process`` runs it, but in this process when it can be."""
    binary = isinstance(stdin, bytes) or any(isinstance(arg, bytes) for arg in args)
    if binary or any(name.startswith("PYTHON") for name in env or {}):
        return run_cli_process(*args, stdin=stdin, env=env, cwd=cwd, timeout=timeout)
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _IN_PROCESS, _environment(bot_env(CACHE_DIR=str(CACHE_DIR), **(env or {})), cwd):
        saved_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin or "")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main([str(a) for a in args])  # usage errors and --help return their code too
        finally:
            sys.stdin = saved_stdin
    return subprocess.CompletedProcess([str(BIN), *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(variables: Mapping[str, str], cwd: Path) -> Iterator[None]:
    saved, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(variables)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        os.chdir(saved_cwd)
