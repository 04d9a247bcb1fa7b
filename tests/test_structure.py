"""The shape of the code, checked: no import cycle under bot/, the core knows nothing of Slack, and
the tests share helpers only through tests/support/."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([package, *parts])


def imports_of(path: Path, prefix: str) -> set[str]:
    """The modules starting with ``prefix`` that a file imports (at any depth of the file)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(prefix)}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
            found.add(node.module)
            # "from bot.slack.listeners import actions" imports the submodule too
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def bot_import_graph() -> dict[str, set[str]]:
    root = REPO / "bot"
    modules = {module_name(p, root, "bot"): p for p in root.rglob("*.py")}
    return {name: imports_of(path, "bot") & set(modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_bot_has_no_import_cycle() -> None:
    graph = bot_import_graph()
    assert (
        "bot.slack.listeners.events" in graph and "bot.slack.answering" in graph["bot.slack.listeners.events"]
    )
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_listener_imports_the_app_and_the_core_knows_nothing_of_slack() -> None:
    listeners = sorted((REPO / "bot" / "slack" / "listeners").rglob("*.py"))
    core = sorted((REPO / "src" / "retrieval").rglob("*.py"))
    # every module, at any depth: a glob that found nothing would check nothing
    assert len(listeners) >= 6 and len(core) >= 25
    for path in listeners:
        assert "bot.slack.app" not in imports_of(path, "bot"), path.name
    for path in core:
        assert not imports_of(path, "slack"), path.name
        assert not imports_of(path, "bot"), path.name


def test_tests_share_helpers_only_through_support_which_imports_itself_relatively() -> None:
    """No test module imports another (or conftest): shared helpers live in tests/support/, whose
    modules import one another relatively, so they load as ``support.x`` (the tests) and as
    ``tests.support.x`` (the benchmarks) alike."""
    tests, support = REPO / "tests", REPO / "tests" / "support"
    for path in [*tests.glob("*.py"), *support.glob("*.py")]:
        others = imports_of(path, "test_") | imports_of(path, "conftest")
        assert not others, f"{path.name} imports {sorted(others)}"
    siblings = {p.stem for p in support.glob("*.py")} | {"support", "tests"}
    for path in support.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] not in siblings, f"{path.name}: from {node.module} import"
            elif isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & siblings, path.name
