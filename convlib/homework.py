"""Exercises in otter-grader's notebook format, and the versions made from them.

Each chapter's exercises are written in the chapter source itself, in Otter
Assign's (v1) notebook format, so that ``otter assign`` can make the student
edition and the autograder from the same file:

* a raw cell ``# BEGIN QUESTION`` (YAML: ``name``, ``points``) opens a question
  and a raw cell ``# END QUESTION`` closes it;
* solution code sits between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
  comments, or on lines ending in ``# SOLUTION``;
* raw cells ``# BEGIN TESTS`` / ``# END TESTS`` enclose test cells, plain
  ``assert`` statements whose messages say what is wrong; a test cell whose
  first line is ``# HIDDEN`` is used only for grading.

:func:`site_version` makes what the website shows: prompts, code stubs and the
public checks, with no solution and no hidden test. The chapter source, with
its solutions, is what the test suite executes, so every solution is checked
against every test on each run.

:mod:`convlib.editions` makes the student edition and otter's autograder bundles
from the same chapter sources, and :mod:`convlib.grading` grades submissions.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

import nbformat

__all__ = ["site_version", "strip_solution", "is_hidden_test", "questions", "leaks", "marker", "has_solution",
           "SITE_CHECK_NOTE", "SOLUTION_LINE"]

SOLUTION_LINE = re.compile(r"^(\s*)(.*?)\s*# SOLUTION\s*$")
SITE_CHECK_NOTE = "# Public check: run it in JupyterLab once you have written your answer.\n"
_MARKERS = ("# ASSIGNMENT CONFIG", "# BEGIN QUESTION", "# END QUESTION", "# BEGIN TESTS", "# END TESTS",
            "# BEGIN SOLUTION", "# END SOLUTION", "# BEGIN PROMPT", "# END PROMPT")


def _marker(cell: nbformat.NotebookNode) -> str | None:
    if cell.cell_type != "raw":
        return None
    first = cell.source.strip().splitlines()[0].strip() if cell.source.strip() else ""
    return first if first in _MARKERS else None


def marker(cell: nbformat.NotebookNode) -> str | None:
    """The otter marker a raw cell holds (``"# BEGIN QUESTION"``, ``"# END TESTS"``, …), or ``None``."""
    return _marker(cell)


def has_solution(source: str) -> bool:
    """Whether code holds solution text: a ``# BEGIN SOLUTION`` block or a line ending in ``# SOLUTION``."""
    return _has_solution(source)


def strip_solution(source: str) -> str:
    """Replace solution code by ``...`` stubs, as Otter Assign does.

    A ``# BEGIN SOLUTION`` … ``# END SOLUTION`` block becomes one ``...`` line
    at the block's indentation; ``x = f(y)  # SOLUTION`` becomes ``x = ...``;
    a bare line ending in ``# SOLUTION`` is removed.
    """
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("# BEGIN SOLUTION"):
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + "...")
            continue
        if stripped.startswith("# END SOLUTION"):
            inside = False
            continue
        if inside:
            continue
        match = SOLUTION_LINE.match(line)
        if match:
            indent, code = match.groups()
            if "=" in code and not code.lstrip().startswith(("return", "assert")):
                out.append(f"{indent}{code.split('=', 1)[0].rstrip()} = ...")
            elif code.lstrip().startswith("return"):
                out.append(f"{indent}return ...")
            continue
        out.append(line)
    return "\n".join(out)


def is_hidden_test(cell: nbformat.NotebookNode) -> bool:
    """Whether a test cell is hidden: first line ``# HIDDEN``, or ``hidden: true`` in its test config."""
    lines = cell.source.strip().splitlines()
    if lines and lines[0].strip().upper() == "# HIDDEN":
        return True
    return bool(re.search(r"BEGIN TEST CONFIG.*hidden:\s*true.*END TEST CONFIG", cell.source, re.S | re.I))


def _has_solution(source: str) -> bool:
    return "# BEGIN SOLUTION" in source or any(SOLUTION_LINE.match(line) for line in source.splitlines())


def questions(nb: nbformat.NotebookNode) -> list[str]:
    """Names of the questions in a notebook, in order."""
    names = []
    for cell in nb.cells:
        if _marker(cell) == "# BEGIN QUESTION":
            match = re.search(r"^name:\s*(\S+)", cell.source, re.M)
            if match:
                names.append(match.group(1))
    return names


def _tag(cell: nbformat.NotebookNode, *tags: str) -> None:
    existing = list(cell.metadata.get("tags", []))
    cell.metadata["tags"] = existing + [t for t in tags if t not in existing]


def site_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook the website shows: no solutions, no hidden tests, no otter markers.

    Solution cells become stubs; public test cells stay, tagged ``skip-execution``
    (they would fail against a stub) and introduced by :data:`SITE_CHECK_NOTE`.
    """
    result = copy.deepcopy(nb)
    cells: list[nbformat.NotebookNode] = []
    in_tests = in_solution_cells = False
    for cell in result.cells:
        marker = _marker(cell)
        if marker:
            in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(marker, in_tests)
            in_solution_cells = {"# BEGIN SOLUTION": True, "# END SOLUTION": False}.get(marker, in_solution_cells)
            if marker == "# END SOLUTION":
                cells.append(nbformat.v4.new_markdown_cell("_Type your answer here, replacing this text._"))
            continue
        if in_solution_cells:
            continue
        if in_tests:
            if cell.cell_type != "code" or is_hidden_test(cell):
                continue
            cell.source = SITE_CHECK_NOTE + cell.source
            _tag(cell, "skip-execution")
        elif cell.cell_type == "code" and _has_solution(cell.source):
            cell.source = strip_solution(cell.source)
            _tag(cell, "skip-execution")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    result.cells = cells
    return result


def leaks(nb: nbformat.NotebookNode, markers: Iterable[str]) -> list[str]:
    """The markers that appear anywhere in a notebook's cells (for leak tests)."""
    text = "\n".join(c.source for c in nb.cells)
    return [m for m in markers if m in text]
