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

:mod:`convlib.course.editions` makes the student edition and otter's autograder bundles
from the same chapter sources, and :mod:`convlib.course.grading` grades submissions.
"""

from __future__ import annotations

import base64
import copy
import os
import pathlib
import re
from collections.abc import Iterable

import nbformat

__all__ = ["site_version", "strip_solution", "is_hidden_test", "questions", "leaks", "marker", "has_solution",
           "question_cells", "public_check_failures", "is_exercise_figure", "render_exercise_figures",
           "attachments_to_files", "files_to_attachments", "FIGURE_TAG", "SITE_CHECK_NOTE", "SITE_CHECK_PROMPT", "SOLUTION_LINE"]

#: Tag of a code cell that draws an "interpret a figure" exercise's figure: only its image is published.
FIGURE_TAG = "exercise-figure"
SOLUTION_LINE = re.compile(r"^(\s*)(.*?)\s*# SOLUTION\s*$")
SITE_CHECK_NOTE = "# Public check: run it in JupyterLab once you have written your answer.\n"
#: The label of the folded public check on the website (MyST-NB's per-cell ``code_prompt_show``).
SITE_CHECK_PROMPT = "Show the public check (it runs in JupyterLab)"
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
    (they would fail against a stub) and introduced by :data:`SITE_CHECK_NOTE`. They are
    also tagged ``hide-input``, so the page folds them under :data:`SITE_CHECK_PROMPT`: a
    reader meets the question before the list of mistakes its check names.
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
            _tag(cell, "skip-execution", "hide-input")
            cell.metadata["mystnb"] = {**cell.metadata.get("mystnb", {}), "code_prompt_show": SITE_CHECK_PROMPT,
                                       "code_prompt_hide": "Hide the public check"}
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


_READ_CACHE: dict[tuple[str, int, int], nbformat.NotebookNode] = {}


def _read(chapter: nbformat.NotebookNode | str | os.PathLike[str]) -> nbformat.NotebookNode:
    """The chapter as a notebook; a file is parsed once per version (path, size, modification time)."""
    if isinstance(chapter, nbformat.NotebookNode):
        return chapter
    import jupytext

    path = pathlib.Path(chapter).resolve()
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _READ_CACHE:
        _READ_CACHE[key] = jupytext.read(path)
    return _READ_CACHE[key]


def question_cells(nb: nbformat.NotebookNode, name: str) -> dict[str, list[nbformat.NotebookNode]]:
    """The code cells of question ``name``: ``"prompt"`` (before its tests), ``"public"`` and ``"hidden"`` tests."""
    found: dict[str, list[nbformat.NotebookNode]] | None = None
    in_tests = False
    for cell in nb.cells:
        mark = _marker(cell)
        if mark == "# BEGIN QUESTION" and re.search(rf"^name:\s*{re.escape(name)}\s*$", cell.source, re.M):
            found = {"prompt": [], "public": [], "hidden": []}
            continue
        if found is None:
            continue
        if mark == "# END QUESTION":
            return found
        if mark in ("# BEGIN TESTS", "# END TESTS"):
            in_tests = mark == "# BEGIN TESTS"
            continue
        if cell.cell_type != "code":
            continue
        if in_tests:
            found["hidden" if is_hidden_test(cell) else "public"].append(cell)
        else:
            found["prompt"].append(cell)
    raise KeyError(f"no question named {name!r}")


def public_check_failures(chapter: nbformat.NotebookNode | str | os.PathLike[str], name: str,
                          answer: str | None = None, context: str = "") -> list[str]:
    """Run question ``name``'s public checks on an answer; return the hints of the checks that fail.

    This is how the tests plant the usual mistakes (``shared/CURRICULUM.md``, Exercise rules):
    each planted wrong answer must fail with a hint that names the mistake, and the solution
    must pass. The namespace is built from the chapter's first code cell (its set-up cell),
    then ``context`` (code the question relies on from elsewhere in the chapter), then the
    question's own code cells with ``answer`` in place of the solution code (``None``: the
    chapter's solution). Each public test cell runs on its own, as a student's check cell
    does; an assertion's message is its hint, any other exception is reported by its type.
    """
    nb = _read(chapter)
    cells = question_cells(nb, name)
    setup = next(c.source for c in nb.cells if c.cell_type == "code")
    namespace: dict[str, object] = {"__name__": "__exercise__"}
    exec(compile(setup, "<set-up cell>", "exec"), namespace)  # noqa: S102 - our own chapter source
    if context:
        exec(compile(context, "<context>", "exec"), namespace)  # noqa: S102
    planted = False
    for cell in cells["prompt"]:
        source = cell.source
        if _has_solution(source):
            if answer is not None:
                if planted:
                    continue
                source, planted = answer, True
        try:
            exec(compile(source, f"<{name}: answer>", "exec"), namespace)  # noqa: S102
        except Exception as error:  # a broken answer is what a student may hand in
            return [f"the answer raised {type(error).__name__}: {error}"]
    if answer is not None and not planted:
        exec(compile(answer, f"<{name}: answer>", "exec"), namespace)  # noqa: S102
    failures = []
    for cell in cells["public"]:
        try:
            exec(compile(cell.source, f"<{name}: public check>", "exec"), namespace)  # noqa: S102
        except AssertionError as error:
            failures.append(str(error) or "an assertion without a hint failed")
        except Exception as error:
            failures.append(f"{type(error).__name__}: {error}")
    return failures


def is_exercise_figure(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell draws an exercise's figure (tag :data:`FIGURE_TAG`): its code must never be published."""
    return cell.cell_type == "code" and FIGURE_TAG in cell.metadata.get("tags", [])


def render_exercise_figures(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace each exercise-figure cell by a markdown cell holding only its image (a PNG attachment).

    An "interpret a figure" exercise must not hand the student the code that draws, and so
    answers, it (``shared/CURRICULUM.md``, Exercise rules). The cell is run once, when the
    edition is made, after the chapter's first code cell (its set-up cell) alone, so it must
    compute everything it draws itself; the matplotlib figure it leaves open becomes the image.
    Its ``alt`` metadata (MyST option ``:alt:``) is the image's text alternative.

    Raises:
        RuntimeError: if a figure cell fails or draws nothing, naming the cell.
    """
    figures = [i for i, c in enumerate(nb.cells) if is_exercise_figure(c)]
    result = copy.deepcopy(nb)
    if not figures:
        return result
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..viz import style

    style.use()  # the figure style a chapter's kernel has (sized for the website's column)

    setup = next(c.source for c in nb.cells if c.cell_type == "code")
    namespace: dict[str, object] = {"__name__": "__figure__"}
    exec(compile(setup, "<set-up cell>", "exec"), namespace)  # noqa: S102 - our own chapter source
    for number, index in enumerate(figures, start=1):
        cell = nb.cells[index]
        plt.close("all")
        try:
            exec(compile(cell.source, f"<exercise figure {number}>", "exec"), namespace)  # noqa: S102
        except Exception as error:
            raise RuntimeError(f"exercise-figure cell {number} must run after the set-up cell alone, "
                               f"but raised {type(error).__name__}: {error}") from error
        if not plt.get_fignums():
            raise RuntimeError(f"exercise-figure cell {number} drew no matplotlib figure")
        data = style.png(plt.gcf())  # records its smallest text, as a chapter's figures do
        plt.close("all")
        name = f"exercise-figure-{number}.png"
        alt = str(cell.metadata.get("alt", "the figure of this exercise")).replace("]", ")").replace("[", "(")
        image = nbformat.v4.new_markdown_cell(f"![{alt}](attachment:{name})")
        image.attachments = {name: {"image/png": base64.b64encode(data).decode("ascii")}}
        result.cells[index] = image
    return result


def attachments_to_files(nb: nbformat.NotebookNode, folder: pathlib.Path, prefix: str) -> nbformat.NotebookNode:
    """Write markdown cells' image attachments into ``folder`` and point the cells at those files.

    MyST-NB (the website's builder) does not render cell attachments; JupyterLab does. So the
    student edition keeps attachments, and the site's sources get plain image files instead.
    """
    result = copy.deepcopy(nb)
    for cell in result.cells:
        attachments = cell.get("attachments") if cell.cell_type == "markdown" else None
        if not attachments:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in attachments.items():
            target, image = folder / f"{prefix}-{name}", base64.b64decode(data["image/png"])
            if not target.exists() or target.read_bytes() != image:  # unchanged: keep its time stamp
                target.write_bytes(image)
            cell.source = cell.source.replace(f"attachment:{name}", f"{folder.name}/{target.name}")
        del cell["attachments"]
    return result


FILE_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s:]+\.png)\)")


def files_to_attachments(nb: nbformat.NotebookNode, folder: pathlib.Path) -> nbformat.NotebookNode:
    """The inverse of ``attachments_to_files``: put markdown cells' PNG files back in as attachments.

    ``folder`` is where the cells' relative image paths start. The site's downloadable notebooks
    go through this after the build, so that one downloaded alone still shows its exercise figures.
    """
    result = copy.deepcopy(nb)
    for cell in result.cells:
        targets = FILE_IMAGE.findall(cell.source) if cell.cell_type == "markdown" else []
        for target in targets:
            image = folder / target
            if not image.exists():
                raise FileNotFoundError(f"a markdown cell points at {target}, which {folder} does not hold")
            cell.setdefault("attachments", {})[image.name] = {"image/png": base64.b64encode(image.read_bytes()).decode("ascii")}
            cell.source = cell.source.replace(f"]({target})", f"](attachment:{image.name})")
    return result

