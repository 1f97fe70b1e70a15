"""No solution and no hidden test reaches the website or the student edition.

The first test plants a unique marker in every solution and every hidden test of
a copy of every chapter (and of the demo chapter), then builds what the site is
built from and the student edition from those copies: no marker may appear in
them, while every marker must reach the instructors' side (so the test can fail).
The second scans the built site for the real chapters' solution and hidden-test lines.
"""

from __future__ import annotations

import html
import json
import pathlib
import re
import shutil
import uuid
import zipfile

import jupytext
import nbformat
import pytest

from convlib.course.editions import make_editions
from convlib.course.homework import SOLUTION_LINE, is_exercise_figure, is_hidden_test, marker, render_exercise_figures, site_version

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
DEMO = ROOT / "tests" / "fixtures" / "homework" / "99-demo.md"
MIN_LENGTH = 20  # a shorter line ("return out") is too unspecific to look for


def plant(nb: nbformat.NotebookNode, figures: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Put a fresh marker into every solution, hidden test and exercise-figure cell of ``nb``;
    return (solution, hidden) markers; figure markers are appended to ``figures``."""
    solutions, hidden = [], []
    figures = [] if figures is None else figures

    def new(kind: list[str]) -> str:
        kind.append(f"LEAK-{uuid.uuid4().hex}")
        return kind[-1]

    in_tests = in_solution = False
    for cell in nb.cells:
        tag = marker(cell)
        in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(tag or "", in_tests)
        in_solution = {"# BEGIN SOLUTION": True, "# END SOLUTION": False}.get(tag or "", in_solution)
        if tag:
            continue
        if in_solution:  # a whole solution cell (a written answer)
            cell.source += f"\n\n{new(solutions)}" if cell.cell_type == "markdown" else \
                f"\n_leak = {new(solutions)!r}"
        elif in_tests and cell.cell_type == "code" and is_hidden_test(cell):
            cell.source += f"\nassert {new(hidden)!r}"
        elif is_exercise_figure(cell):  # the code that draws (and so answers) a figure exercise
            cell.source += f"\n_leak = {new(figures)!r}"
        elif cell.cell_type == "code":
            lines = []
            for line in cell.source.splitlines():
                lines.append(line)
                indent = line[: len(line) - len(line.lstrip())]
                if line.strip().startswith("# BEGIN SOLUTION"):
                    lines.append(f"{indent}_leak = {new(solutions)!r}")
                elif SOLUTION_LINE.match(line) and not line.strip().startswith("#"):
                    body = line[: line.rindex("# SOLUTION")].rstrip()
                    lines[-1] = f"{body}  # {new(solutions)}  # SOLUTION"
                    lines.append(f"{indent}_leak = {new(solutions)!r}  # SOLUTION")
            cell.source = "\n".join(lines)
    return solutions, hidden


def text_of(folder: pathlib.Path) -> str:
    """Everything under ``folder`` as text, zip members included."""
    parts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.slow
def test_no_planted_marker_reaches_the_site_sources_or_the_student_edition(tmp_path: pathlib.Path) -> None:
    copies, solutions, hidden, figures = [], [], [], []
    for chapter in [*CHAPTERS, DEMO]:
        nb = jupytext.read(chapter)
        sol, hid = plant(nb, figures)
        assert sol and hid, f"{chapter.name}: nothing to plant (no solution or no hidden test)"
        solutions += sol
        hidden += hid
        copies.append(tmp_path / "chapters" / chapter.name)
        copies[-1].parent.mkdir(exist_ok=True)
        jupytext.write(nb, copies[-1], fmt="md:myst")
    site = tmp_path / "site"
    site.mkdir()
    for copy in copies:
        nbformat.write(render_exercise_figures(site_version(jupytext.read(copy))), site / f"{copy.stem}.ipynb")
    make_editions(copies, tmp_path / "dist")
    assert figures, "the demo chapter has an exercise-figure cell to plant in"
    markers = solutions + hidden + figures
    for folder in (site, tmp_path / "dist" / "student"):
        text = text_of(folder)
        assert [m for m in markers if m in text] == [], f"leaked into {folder.name}"
    # the instructors' side holds every marker: the planting worked and the scan can see it
    assert [m for m in solutions if m not in text_of(tmp_path / "dist" / "solutions")] == []
    assert [m for m in hidden if m not in text_of(tmp_path / "dist" / "autograder")] == []


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def split_lines(chapter: pathlib.Path) -> tuple[set[str], list[str], list[str]]:
    """A chapter's lines, whitespace-normalised: solution and hidden-test lines, public-check lines, the rest."""
    nb = jupytext.read(chapter)
    secret: set[str] = set()
    public: list[str] = []
    other: list[str] = []
    in_tests = in_solution = False
    for cell in nb.cells:
        tag = marker(cell)
        in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(tag or "", in_tests)
        in_solution = {"# BEGIN SOLUTION": True, "# END SOLUTION": False}.get(tag or "", in_solution)
        if tag:
            continue
        block = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            block = True if stripped.startswith("# BEGIN SOLUTION") else block
            if in_solution or block or (in_tests and is_hidden_test(cell)):
                secret.add(_normal(stripped))
            elif SOLUTION_LINE.match(line):
                secret.add(_normal(stripped[: stripped.rindex("# SOLUTION")]))
            else:
                (public if in_tests else other).append(_normal(stripped))
            block = False if stripped.startswith("# END SOLUTION") else block
    return secret, public, other


def secret_lines(chapters: list[pathlib.Path]) -> dict[str, set[str]]:
    """Per chapter, its solution and hidden-test lines that are specific: at least ``MIN_LENGTH`` long and in
    no chapter's public text (a helper line such as ``k = weight.shape[-1]`` may be public elsewhere)."""
    parts = {c.name: split_lines(c) for c in chapters}
    public_text = "\n".join(line for _, public, other in parts.values() for line in public + other)
    markers = ("# BEGIN SOLUTION", "# END SOLUTION", "# HIDDEN")
    return {name: {s for s in secret if len(s) >= MIN_LENGTH and s not in public_text and s not in markers}
            for name, (secret, _, _) in parts.items()}


def site_text(site: pathlib.Path) -> str:
    """The site as a reader or a crawler gets it: html without tags or entities, notebook sources, scripts."""
    parts = []
    for path in (p for p in site.rglob("*") if p.is_file() and p.suffix in {".html", ".ipynb", ".js", ".txt", ".json"}):
        if "_static" in path.parts or "widgets" in path.parts:
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":
            raw = "\n".join(c.get("source", "") if isinstance(c.get("source"), str) else "".join(c["source"])
                            for c in json.loads(raw).get("cells", []))
        elif path.suffix == ".html":
            raw = html.unescape(re.sub(r"<[^>]+>", "", raw))
        parts.append(_normal(raw))
    return "\n".join(parts)


@pytest.mark.book
def test_built_site_contains_no_solution_line_and_no_hidden_test_line(site: pathlib.Path) -> None:
    text = site_text(site)
    secrets = secret_lines(CHAPTERS)
    found = [f"{name}: {line}" for name, lines in secrets.items() for line in sorted(lines) if line in text]
    assert found == [], found
    assert sum(map(len, secrets.values())) > 0, "no specific solution or hidden-test line to look for"
    public = [line for c in CHAPTERS for line in split_lines(c)[1] if len(line) >= MIN_LENGTH]
    assert any(line in text for line in public), "no public check line found in the site: the scan cannot see code"


def test_every_solution_marker_in_the_chapters_is_one_the_stripper_recognises() -> None:
    """A line like ``x = 1  # SOLUTION: why`` is not a solution line to the stripper (the marker must end the line),
    so it would reach the site and the student edition whole; the other tests only look for recognised lines."""
    recognised = ("# BEGIN SOLUTION", "# END SOLUTION")
    unrecognised = [f"{path.name}:{number}: {line.strip()}"
                    for path in CHAPTERS for number, line in enumerate(path.read_text().splitlines(), 1)
                    if re.search(r"#\s*SOLUTION", line, re.IGNORECASE) and not SOLUTION_LINE.match(line)
                    and not line.strip().startswith(recognised)]
    assert not unrecognised, "solution markers the stripper does not recognise (end the line with '# SOLUTION'):\n" + \
        "\n".join(unrecognised)
