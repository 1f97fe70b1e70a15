"""The site version of a chapter keeps prompts and public checks, and drops solutions and hidden tests."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from convlib.homework import is_hidden_test, leaks, questions, site_version, strip_solution


def exercise_notebook() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("Intro"),
        new_raw_cell("# BEGIN QUESTION\nname: ch99_demo\npoints: 2"),
        new_markdown_cell("Compute it."),
        new_code_cell("def f(x):\n    # BEGIN SOLUTION\n    y = x + 1  # MARKER-SOL-A\n    return y\n    # END SOLUTION\n\nanswer = 42  # SOLUTION"),
        new_raw_cell("# BEGIN TESTS"),
        new_code_cell("assert f(1) == 2, 'f(1) should be 2'"),
        new_code_cell("# HIDDEN\nassert f(2) == 3  # MARKER-HIDDEN-B"),
        new_code_cell('""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\nassert answer == 42  # MARKER-HIDDEN-C'),
        new_raw_cell("# END TESTS"),
        new_raw_cell("# BEGIN SOLUTION"),
        new_markdown_cell("A written answer. MARKER-SOL-D"),
        new_raw_cell("# END SOLUTION"),
        new_raw_cell("# END QUESTION"),
        new_markdown_cell("After"),
    ])


def test_strip_solution_replaces_blocks_and_solution_lines_with_stubs() -> None:
    src = "def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\nz = g(1)  # SOLUTION\nprint(1)  # SOLUTION"
    assert strip_solution(src) == "def f(x):\n    ...\nz = ..."


def test_site_version_contains_no_solution_and_no_hidden_test() -> None:
    site = site_version(exercise_notebook())
    assert leaks(site, ["MARKER-SOL-A", "MARKER-HIDDEN-B", "MARKER-HIDDEN-C", "MARKER-SOL-D", "answer = 42"]) == []
    assert not any(c.cell_type == "raw" for c in site.cells), "otter markers must not reach the site"


def test_site_version_keeps_prompt_stub_and_public_check_unexecuted() -> None:
    site = site_version(exercise_notebook())
    sources = [c.source for c in site.cells]
    assert "Compute it." in sources
    stub = next(c for c in site.cells if c.source.startswith("def f"))
    assert "..." in stub.source and "skip-execution" in stub.metadata["tags"]
    check = next(c for c in site.cells if "f(1) == 2" in c.source)
    assert "skip-execution" in check.metadata["tags"]
    assert sources[0] == "Intro" and sources[-1] == "After"


def test_hidden_tests_are_recognised_by_comment_or_config() -> None:
    cells = exercise_notebook().cells
    assert [is_hidden_test(c) for c in cells[5:8]] == [False, True, True]
    assert questions(exercise_notebook()) == ["ch99_demo"]
