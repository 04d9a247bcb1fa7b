"""The README's reference tables stay true by construction: its configuration table lists exactly
the settings ``Settings`` reads, and its command-line block exactly the commands and options
``ofsted-bot`` parses."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import click

from bot.cli.program import cli
from bot.runtime.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    start = README.index(f"\n## {heading}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_the_configuration_table_lists_every_setting_and_nothing_else() -> None:
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section("Configuration"), re.MULTILINE)
    assert len(rows) == len(set(rows)), "a variable listed twice"
    assert set(rows) == {f.name.upper() for f in fields(Settings)}


def subcommands(group: click.Group, prefix: str = "") -> dict[str, set[str]]:
    """Every command path ("ask", "knowledge check") with the options it takes."""
    found: dict[str, set[str]] = {}
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            found.update(subcommands(command, path))
        else:
            found[path] = {
                option
                for param in command.params
                if isinstance(param, click.Option)
                for option in [*param.opts, *param.secondary_opts]
                if option.startswith("--")
            }
    return found


def test_the_command_line_block_shows_every_command_and_only_real_options() -> None:
    block = section("Command line").split("```sh", 1)[1].split("```", 1)[0]
    commands = subcommands(cli)
    shown: set[str] = set()
    for line in block.strip().splitlines():
        usage = line.split("#", 1)[0].split()
        assert usage[0] == "ofsted-bot", line
        path = next(
            (p for p in sorted(commands, key=len, reverse=True) if usage[1:3][: len(p.split())] == p.split()),
            None,
        )
        assert path is not None, f"README shows a command ofsted-bot does not have: {line}"
        shown.add(path)
        for option in re.findall(r"--[a-z][a-z-]*", line.split("#", 1)[0]):
            assert option in commands[path] | {"--help"}, f"{path} has no {option}: {line}"
    assert shown == set(commands), f"not in the README: {sorted(set(commands) - shown)}"
