"""Every chapter executes with its solutions, and meets the chapter contract's checkable parts."""

from __future__ import annotations

import pathlib
import re
import subprocess

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from convlib.course.homework import is_hidden_test, questions

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
IDS = [p.stem for p in CHAPTERS]


def prose_words(nb: nbformat.NotebookNode) -> int:
    """Words of prose: markdown cells, without code blocks, math blocks or directives' options. A glued
    value (``{glue:text}`key```) counts as what the page shows, a number, which is not a word: its key's
    parts are not counted as words."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = re.sub(r"```.*?```|\$\$.*?\$\$|:::.*?:::", " ", text, flags=re.S)
    text = re.sub(r"\{glue(?::\w+)?\}`[^`]*`", " 0 ", text)
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))


@pytest.mark.slow
@pytest.mark.author  # `make test` leaves it out: test_grading runs every chapter's solutions through the grader
@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_executes_with_solutions_passing_every_test(path: pathlib.Path) -> None:
    nb = jupytext.read(path)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_has_2000_to_3500_words_of_prose(path: pathlib.Path) -> None:
    words = prose_words(jupytext.read(path))
    assert 2000 <= words <= 3500, f"{path.name} has {words} words of prose; the contract asks for 2,000-3,500"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_has_four_checked_exercises_with_public_and_hidden_tests(path: pathlib.Path) -> None:
    nb = jupytext.read(path)
    names = questions(nb)
    assert len(names) >= 4, f"{path.name} has {len(names)} exercises; the contract asks for 4"
    assert all(n.startswith(f"ch{path.stem[:2]}_") for n in names), names
    tests = [c for c in nb.cells if c.cell_type == "code" and "assert" in c.source]
    assert any(is_hidden_test(c) for c in tests), "no hidden test"
    assert any(not is_hidden_test(c) for c in tests), "no public test"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_chapter_is_in_the_table_of_contents(path: pathlib.Path) -> None:
    assert f"chapters/{path.stem}" in (ROOT / "_toc.yml").read_text()


def test_question_names_are_unique_across_the_book() -> None:
    names = [n for p in CHAPTERS for n in questions(jupytext.read(p))]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_no_committed_notebook_carries_outputs() -> None:
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in tracked.stdout.split():
        path = ROOT / name
        nb = nbformat.read(path, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells), f"{path} carries outputs"
