"""Student editions and autograder bundles of the chapters, made by otter-grader's ``otter assign``.

    python -m convlib.course.editions 01 02 --out dist/homework   # chapters 01 and 02
    python -m convlib.course.editions --out dist/homework         # every chapter

For each chapter ``chapters/NN-topic.md`` (a MyST notebook whose exercises are
in Otter Assign's v1 format, see ``convlib.course.homework``) this writes::

    OUT/student/NN-topic.ipynb     hand these out: prompts, ``...`` stubs, public checks
    OUT/autograder/chNN.zip        otter's autograder bundle (hidden tests); grading and Gradescope
    OUT/solutions/NN-topic.ipynb   otter's autograder notebook, with the solutions (instructors only)

The chapter is converted for ``otter assign`` without being edited: the
assignment config cell is generated (``name: chNN``), each code cell that
holds a solution inside a question is wrapped in ``# BEGIN SOLUTION`` /
``# END SOLUTION`` raw cells (otter strips and unlocks only such cells), and
a solution marker outside any question is stripped as the website does.
The bundle carries a copy of ``convlib`` and its requirements, so that it
also runs on Gradescope-style services. Every student notebook is checked
for solution and hidden-test text before the command returns.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import pathlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jupytext
import nbformat
import yaml

from convlib.course.homework import (
    has_solution, is_exercise_figure, is_hidden_test, marker, questions, render_exercise_figures, strip_solution,
)
from convlib.course.install import fill_setup

__all__ = ["Edition", "assignment_name", "assignable", "exception_test", "make_editions", "find_chapters", "bundle_questions", "main"]

ROOT = pathlib.Path(__file__).resolve().parents[2]
# What the autograder installs on a Gradescope-style service (otter adds itself).
REQUIREMENTS = """\
--extra-index-url https://download.pytorch.org/whl/cpu
torch==2.14.1
torchvision==0.29.1
numpy>=1.26
matplotlib>=3.8
anywidget>=0.11,<0.12
ipywidgets>=8.1,<9
"""
# Text that must never reach a student notebook.
ASSIGNMENT_FILE = "convlib-assignment.json"  # added to the bundle: the notebook's name, the questions in order
FORBIDDEN = ("# SOLUTION", "BEGIN SOLUTION", "END SOLUTION", "# HIDDEN", "BEGIN QUESTION", "BEGIN TESTS")


@dataclass
class Edition:
    """What :func:`make_editions` wrote for one chapter: the student notebook, the bundle, the questions."""

    chapter: str
    name: str
    student: pathlib.Path
    autograder: pathlib.Path
    solutions: pathlib.Path
    questions: list[str]


def assignment_name(chapter: pathlib.Path) -> str:
    """The assignment name of a chapter file ``NN-topic.md``: ``chNN`` (as its question names start)."""
    prefix = chapter.stem[:2]
    if not prefix.isdigit():
        raise ValueError(f"chapter must be named NN-topic.md with two digits first, got {chapter.name!r}")
    return f"ch{prefix}"


def _config(name: str, run_tests: bool) -> str:
    config = {
        "name": name,
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": run_tests,
        "python_version": "3.11",
        "requirements": "requirements.txt",
        "autograder_files": ["convlib"],
        "generate": {"show_stdout": False, "show_hidden": False, "pdf": False},
        "tests": {"files": False, "ok_format": False},
    }
    return "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)


def exception_test(source: str, question: str, number: int = 1) -> str:
    """A test cell of the chapter as an otter exception-based test: one function that runs the cell's code.

    Otter's exception-based format wants a test cell to be one function; the function runs the cell's
    code in the notebook's namespace (``env``), as otter's doctest format did, and stops at the first
    failing ``assert``, whose message is the check's hint (:mod:`convlib.course.checks`). A first line
    ``# HIDDEN`` or a test config block stays in front, where otter reads it.
    """
    lines = source.strip("\n").split("\n")
    head = 0
    if lines and re.match(r'(?:.\s*=\s*)?""?"?\s*#\s*BEGIN\s*TEST\s*CONFIG', lines[0], re.I):
        head = next((i + 1 for i, line in enumerate(lines) if re.search(r"END\s*TEST\s*CONFIG", line, re.I)), 0)
    elif lines and lines[0].lstrip().startswith("#") and re.search(r"\bhidden\b", lines[0], re.I):
        head = 1
    body = "\n".join(lines[head:])
    call = f"exec(compile({body!r}, {f'<{question} check>'!r}, 'exec'), env)"
    return "\n".join([*lines[:head], f"def check_{number}(env):", f"    {call}"])


def _questions_with_hidden_tests(cells: Sequence[nbformat.NotebookNode]) -> set[str]:
    """Names of the questions that have at least one hidden test cell."""
    found: set[str] = set()
    question, in_tests = "", False
    for cell in cells:
        tag = marker(cell)
        if tag == "# BEGIN QUESTION":
            question = (re.findall(r"^name:\s*(\S+)", cell.source, re.M) or [""])[0]
        in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(tag or "", in_tests)
        if in_tests and cell.cell_type == "code" and is_hidden_test(cell):
            found.add(question)
    return found


def _zero_points(source: str) -> str:
    """A public test cell given a test config that makes it worth 0 points (it stays a visible check)."""
    if re.match(r'(?:.\s*=\s*)?""?"?\s*#\s*BEGIN\s*TEST\s*CONFIG', source.lstrip("\n"), re.I):
        raise ValueError("a public test cell already has a test config; give points only through the question")
    return '""" # BEGIN TEST CONFIG\npoints: 0\n""" # END TEST CONFIG\n' + source


def assignable(nb: nbformat.NotebookNode, name: str, run_tests: bool = False) -> nbformat.NotebookNode:
    """The master notebook ``otter assign`` reads, made from a chapter without changing its text.

    Args:
        nb: the chapter as read by jupytext, with its solutions.
        name: the assignment name, ``chNN``.
        run_tests: whether ``otter assign`` runs the tests against the solutions (slow: it executes
            the chapter; ``tests/test_chapters.py`` does the same check).

    Test cells become exception-based tests (``exception_test``). Points belong to the tests that decide
    correctness: in a question with hidden tests, each public check is worth 0 points and the question's
    points are shared by its hidden tests, so passing a public check alone earns nothing and partial credit
    means some hidden tests passed (``_zero_points``).

    Raises:
        ValueError: if ``name`` is empty.
    """
    if not name:
        raise ValueError("name must be a non-empty assignment name such as 'ch02'")
    master = nbformat.v4.new_notebook(metadata={k: v for k, v in nb.metadata.items() if k != "jupytext"})
    cells = [cell for cell in nb.cells if marker(cell) != "# ASSIGNMENT CONFIG"]
    master.cells.append(nbformat.v4.new_raw_cell(_config(name, run_tests)))
    in_question = in_tests = in_solution = False
    question, number = "", 0
    graded_by_hidden = _questions_with_hidden_tests(cells)
    for cell in cells:
        cell = nbformat.from_dict(dict(cell))
        tag = marker(cell)
        in_question = {"# BEGIN QUESTION": True, "# END QUESTION": False}.get(tag or "", in_question)
        in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(tag or "", in_tests)
        in_solution = {"# BEGIN SOLUTION": True, "# END SOLUTION": False}.get(tag or "", in_solution)
        is_code = cell.cell_type == "code"
        if tag == "# BEGIN QUESTION":
            question, number = (re.findall(r"^name:\s*(\S+)", cell.source, re.M) or [""])[0], 0
        if is_code:
            cell.outputs, cell.execution_count = [], None
        if is_code and in_tests and cell.source.strip():
            number += 1  # the functions of one test file need distinct names
            source = cell.source
            if question in graded_by_hidden and not is_hidden_test(cell):
                source = _zero_points(source)
            cell.source = exception_test(source, question, number)
        if is_code and not tag and not in_tests and not in_solution and has_solution(cell.source):
            if in_question:  # an answer cell: otter strips it and leaves it editable
                master.cells += [nbformat.v4.new_raw_cell("# BEGIN SOLUTION"), cell,
                                 nbformat.v4.new_raw_cell("# END SOLUTION")]
                continue
            cell.source = strip_solution(cell.source)
        master.cells.append(cell)
    return master


def find_chapters(selection: Sequence[str] = (), chapters_dir: pathlib.Path = ROOT / "chapters") -> list[pathlib.Path]:
    """Chapter files chosen by number (``"02"``), stem or path; all ``NN-*.md`` when none is given.

    Raises:
        ValueError: if a ``selection`` entry matches no chapter, or ``chapters_dir`` has none.
    """
    every = sorted(chapters_dir.glob("[0-9][0-9]-*.md"))
    if not selection:
        if not every:
            raise ValueError(f"chapters_dir has no NN-topic.md chapters: {chapters_dir}")
        return every
    chosen: list[pathlib.Path] = []
    for item in selection:
        path = pathlib.Path(item)
        found = [path] if path.suffix == ".md" and path.exists() else [
            p for p in every if p.stem == item or p.stem.startswith(f"{item.zfill(2)}-")]
        if not found:
            raise ValueError(f"selection: no chapter matches {item!r} in {chapters_dir}")
        chosen += [p for p in found if p not in chosen]
    return chosen


def _check_student(path: pathlib.Path, hidden_sources: Iterable[str]) -> None:
    text = path.read_text(encoding="utf-8")
    for needle in [*FORBIDDEN, *hidden_sources]:
        if needle and needle in text:
            raise RuntimeError(f"{path} contains {needle[:60]!r}: a solution or hidden test leaked")


def _hidden_lines(nb: nbformat.NotebookNode) -> list[str]:
    """Lines of hidden tests and figure code (at least 20 characters) that no other cell of the chapter contains."""
    hidden = [c for c in nb.cells if c.cell_type == "code" and (is_hidden_test(c) or is_exercise_figure(c))]
    others = "\n".join(c.source for c in nb.cells if not any(c is h for h in hidden))
    lines = [line.strip() for cell in hidden for line in cell.source.splitlines()[1:]]
    return [line for line in lines if len(line) >= 20 and line not in others]


INIT_LINE = "from convlib.course.checks import short_feedback; short_feedback()  # one line per failed check"


def _add_short_feedback(path: pathlib.Path) -> None:
    """Add :data:`INIT_LINE` to the otter init cell of a notebook that ``otter assign`` wrote."""
    nb = nbformat.read(path, as_version=4)
    init = next((c for c in nb.cells if c.cell_type == "code" and "otter.Notebook(" in c.source), None)
    if init is None:
        raise RuntimeError(f"{path} has no otter init cell (grader = otter.Notebook(...))")
    if INIT_LINE not in init.source:
        init.source = init.source.rstrip("\n") + "\n" + INIT_LINE
        nbformat.write(nb, path)


def make_editions(chapters: Sequence[pathlib.Path], out: pathlib.Path, *, run_tests: bool = False,
                  quiet: bool = True) -> list[Edition]:
    """Write the student edition and the autograder bundle of each chapter under ``out``.

    Args:
        chapters: chapter sources (MyST ``NN-topic.md`` with solutions).
        out: the output folder, e.g. ``dist/homework``; ``student/``, ``autograder/`` and
            ``solutions/`` inside it are replaced chapter by chapter.
        run_tests: let ``otter assign`` execute each chapter and run its tests on the solutions.
        quiet: hide otter's log.

    Raises:
        ValueError: if ``chapters`` is empty or a chapter has no question.
        RuntimeError: if a student notebook would contain a solution or a hidden test.
    """
    from otter.assign import main as otter_assign

    if not chapters:
        raise ValueError("chapters must name at least one chapter")
    editions = []
    for chapter in chapters:
        name, nb = assignment_name(chapter), jupytext.read(chapter)
        if not questions(nb):
            raise ValueError(f"chapters: {chapter.name} has no exercise (no '# BEGIN QUESTION' cell)")
        with tempfile.TemporaryDirectory(prefix="convlib-assign-") as tmp:
            work = pathlib.Path(tmp)
            master = work / f"{chapter.stem}.ipynb"
            # the set-up cell installs convlib from the book's website, or says how to get it
            nbformat.write(assignable(render_exercise_figures(fill_setup(nb)), name, run_tests), master)
            (work / "requirements.txt").write_text(REQUIREMENTS)
            shutil.copytree(ROOT / "convlib", work / "convlib", ignore=shutil.ignore_patterns("__pycache__"))
            log = io.StringIO()
            with contextlib.redirect_stdout(log) if quiet else contextlib.nullcontext():
                otter_assign(str(master), str(work / "dist"), no_pdfs=True, no_run_tests=not run_tests)
            (zip_path,) = (work / "dist" / "autograder").glob("*.zip")
            targets = {d: out / d for d in ("student", "autograder", "solutions")}
            for folder in targets.values():
                folder.mkdir(parents=True, exist_ok=True)
            student = targets["student"] / master.name
            shutil.copy2(work / "dist" / "student" / master.name, student)
            shutil.copy2(work / "dist" / "autograder" / master.name, targets["solutions"] / master.name)
            shutil.copy2(zip_path, targets["autograder"] / f"{name}.zip")
            for notebook in (student, targets["solutions"] / master.name):
                _add_short_feedback(notebook)
            with zipfile.ZipFile(targets["autograder"] / f"{name}.zip", "a") as bundle:
                bundle.writestr(ASSIGNMENT_FILE, json.dumps({"notebook": master.name, "questions": questions(nb)}))
        _check_student(student, _hidden_lines(nb))
        editions.append(Edition(chapter.stem, name, student, targets["autograder"] / f"{name}.zip",
                                targets["solutions"] / master.name, questions(nb)))
    return editions


def bundle_questions(zip_path: pathlib.Path) -> dict[str, float]:
    """Question names and points of an autograder bundle (read from its tests), in chapter order."""
    from otter.test_files import create_test_file
    from otter.nbmeta_config import NBMetadataConfig

    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(zip_path) as bundle:
        tests = sorted(n for n in bundle.namelist() if n.startswith("tests/") and n.endswith(".py"))
        bundle.extractall(tmp, members=tests)
        files = [create_test_file(str(pathlib.Path(tmp) / n), NBMetadataConfig()) for n in tests]
        info = json.loads(bundle.read(ASSIGNMENT_FILE)) if ASSIGNMENT_FILE in bundle.namelist() else {}
    order = info.get("questions", [])
    points = {f.name: f.possible for f in files}
    rank = {name: i for i, name in enumerate(order)}
    return {name: points[name] for name in sorted(points, key=lambda n: (rank.get(n, len(rank)), n))}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m convlib.course.editions [CHAPTER ...] --out DIR [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m convlib.course.editions", description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter numbers (01 02), stems or .md paths; default: all")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("dist/homework"))
    parser.add_argument("--chapters-dir", type=pathlib.Path, default=ROOT / "chapters")
    parser.add_argument("--check", action="store_true", help="run each chapter's tests on its solutions (slow)")
    parser.add_argument("--verbose", action="store_true", help="show otter's log")
    args = parser.parse_args(argv)
    chosen = find_chapters([c for item in args.chapters for c in item.split()], args.chapters_dir)
    for ed in make_editions(chosen, args.out, run_tests=args.check, quiet=not args.verbose):
        print(f"{ed.chapter}: {len(ed.questions)} questions -> {ed.student}, {ed.autograder}")
    print(f"Hand out {args.out / 'student'}; keep {args.out / 'autograder'} and {args.out / 'solutions'} private.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
