"""One writer of action status: ``tracker.actions.status.set_status`` is the only code under ``tracker/``
that assigns ``.status``. Read from the source with ``ast``, so a new writer fails here whatever it does."""

from __future__ import annotations

import ast
from pathlib import Path

import tracker
from tracker.actions import states, status

ROOT = Path(tracker.__file__).parent
# Modules that write the status of rows of their own (a job's, an e-mail's) and never touch an action: each is
# checked to hold no reference to Action at all (test below).
OTHER_STATUSES = {"tracker/jobs/runner.py", "tracker/outbox/cli.py", "tracker/outbox/sender.py"}
WRITER = (Path(status.__file__).resolve(), "set_status")
# setattr with a name from a variable, looked at and known never to set an action's status.
DYNAMIC = {
    ("tracker/exports/xlsx.py", "_style"),  # an openpyxl cell's style attributes
    ("tracker/seeding/loader.py", "_set_collection"),  # a seeded record's themes, boards
    ("tracker/seeding/loader.py", "_upsert"),  # seeded values, which never hold a status (test below)
}


def status_writes(source: str) -> list[tuple[int, str | None]]:
    """(line, enclosing function) of every write of a ``status``: ``x.status = …`` (also ``+=`` and annotated),
    ``setattr(x, "status", …)``, and ``status=`` given to a bulk ``.values(…)`` or an ``Action(…)``."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            targets = []
            if isinstance(child, ast.Assign):
                targets = child.targets
            elif isinstance(child, ast.AugAssign | ast.AnnAssign):
                targets = [child.target]
            while targets:
                target = targets.pop()
                if isinstance(target, ast.Tuple | ast.List):
                    targets.extend(target.elts)
                elif isinstance(target, ast.Starred):
                    targets.append(target.value)
                elif isinstance(target, ast.Attribute) and target.attr == "status":
                    found.append((child.lineno, function))
            if isinstance(child, ast.Call):
                name = child.func.attr if isinstance(child.func, ast.Attribute) else getattr(child.func, "id", None)
                if name == "setattr" and len(child.args) > 1:
                    key = child.args[1]
                    if not (isinstance(key, ast.Constant) and key.value != "status"):
                        found.append((child.lineno, function))  # "status", or a name that could be it
                if name in ("values", "Action") and any(k.arg == "status" for k in child.keywords):
                    found.append((child.lineno, function))
            visit(child, inner)

    visit(ast.parse(source), None)
    return found


def test_status_is_assigned_only_by_set_status():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if str(path.relative_to(ROOT.parent)) in OTHER_STATUSES:
            continue
        for line, function in status_writes(path.read_text()):
            if (path.resolve(), function) != WRITER and (str(path.relative_to(ROOT.parent)), function) not in DYNAMIC:
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line} in {function}")
    assert offenders == [], "Only status.set_status may write an action's status: " + ", ".join(offenders)


def test_packages_with_statuses_of_their_own_never_write_an_action():
    for name in OTHER_STATUSES:
        source = (ROOT.parent / name).read_text()
        assert "Action" not in source and "actions" not in source, f"{name} mentions actions"


def test_the_checker_finds_every_kind_of_write():
    source = """
def sneaky(action, rows):
    action.status = "assured"
    action.status += ""
    counts[(row.status, 1)] += 1
    a.title, (b.status, c) = 1, (2, 3)
    setattr(action, "status", "assured")
    setattr(action, key, value)
    rows.values(status="assured")
    Action(status="assured")
    action.title = "fine"
    setattr(action, "title", "fine")
"""
    assert [line for line, _ in status_writes(source)] == [3, 4, 6, 7, 8, 9, 10]
    assert {function for _, function in status_writes(source)} == {"sneaky"}


def test_the_seed_loaders_setattr_never_carries_a_status():
    """_upsert sets attributes by name; the loader never passes it a status (it calls set_status instead)."""
    loader = (ROOT / "seeding" / "loader.py").read_text()
    assert '"status":' not in loader


def test_the_docstrings_name_the_one_writer():
    from tracker.actions import services

    assert "set_status" in states.__doc__
    assert "set_status" in services.__doc__
    assert "set_status" in status.__doc__
