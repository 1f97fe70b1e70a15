"""The site version and the student edition keep prompts and public checks, and drop solutions and hidden tests."""

from __future__ import annotations

import json
import pathlib
import tomllib
import zipfile

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from convlib.course.editions import assignable, bundle_questions, find_chapters, make_editions
from convlib.course.checks import hint
from convlib.course.homework import SITE_CHECK_PROMPT, is_hidden_test, leaks, questions, site_version, strip_solution

ROOT = pathlib.Path(__file__).resolve().parents[1]

DEMO = pathlib.Path(__file__).parent / "fixtures" / "homework" / "99-demo.md"


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


def test_site_version_folds_public_checks_under_a_named_toggle() -> None:
    site = site_version(exercise_notebook())
    check = next(c for c in site.cells if "f(1) == 2" in c.source)
    assert "hide-input" in check.metadata["tags"]
    assert check.metadata["mystnb"]["code_prompt_show"] == SITE_CHECK_PROMPT
    others = [c for c in site.cells if c.cell_type == "code" and "f(1) == 2" not in c.source]
    assert others and not any("hide-input" in c.metadata.get("tags", []) for c in others), "only checks fold"


def test_hidden_tests_are_recognised_by_comment_or_config() -> None:
    cells = exercise_notebook().cells
    assert [is_hidden_test(c) for c in cells[5:8]] == [False, True, True]
    assert questions(exercise_notebook()) == ["ch99_demo"]


def test_hint_is_the_assert_message_of_an_exception_test_or_a_doctest_report() -> None:
    exception = "❌ Test case failed\nError at line 2 in test ch99_shape:\n  exec(...)\nAssertionError: use stride 2"
    assert hint(exception) == "use stride 2"
    assert hint(exception.replace("AssertionError: use stride 2", "NameError: name 'shape' is not defined")) == \
        "NameError: name 'shape' is not defined"
    doctest = "Failed example:\n    assert x\nException raised:\n    Traceback (most recent call last):\n" \
              "      File \"<doctest>\", line 1\n    AssertionError: x should be 3\n"
    assert hint(doctest) == "x should be 3"
    assert hint(exception.replace(": use stride 2", ":")) == "a check failed (its assert has no message)"


# --- Student editions (convlib.course.editions) -------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_edition(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    (edition,) = make_editions([DEMO], tmp_path_factory.mktemp("dist"))
    return edition


def test_assignable_wraps_each_answer_cell_in_solution_markers_and_adds_the_config() -> None:
    master = assignable(exercise_notebook(), "ch99")
    sources = [c.source for c in master.cells]
    assert sources[0].startswith("# ASSIGNMENT CONFIG") and "name: ch99" in sources[0]
    answer = next(i for i, s in enumerate(sources) if s.startswith("def f"))
    assert sources[answer - 1] == "# BEGIN SOLUTION" and sources[answer + 1] == "# END SOLUTION"
    assert sum(s == "# BEGIN SOLUTION" for s in sources) == 2, "the markdown solution keeps its own markers only"


def test_assignable_strips_a_solution_line_outside_any_question() -> None:
    nb = exercise_notebook()
    nb.cells.insert(0, new_code_cell("secret = 7  # SOLUTION"))
    assert assignable(nb, "ch99").cells[1].source == "secret = ..."


def test_find_chapters_selects_by_number_and_names_a_missing_one() -> None:
    chosen = find_chapters(["99"], DEMO.parent)
    assert chosen == [DEMO]
    with pytest.raises(ValueError, match="selection: no chapter matches '42'"):
        find_chapters(["42"], DEMO.parent)


def test_student_edition_has_stubs_and_public_checks_but_no_solution_or_hidden_test(demo_edition) -> None:  # type: ignore[no-untyped-def]
    text = demo_edition.student.read_text()
    nb = nbformat.reads(text, as_version=4)
    assert nb.metadata["otter"]["assignment_name"] == "ch99"
    for secret in ("8 * 2 * 2 * 3 * 3 * 3", "torch.stack([(x[i", "n_read = 9", "A 3×3 window covers nine pixels",
                   "int(torch.ones(3, 3).sum())", "torch.nn.functional.conv2d(x, weight, stride=2).shape", "hidden\": true"):
        assert secret not in text, secret
    assert "shape = ..." in text and 'grader.check(\\"ch99_shape\\")' in text
    assert "with stride 2 it should be (1, 8, 2, 2)" in text, "the public check and its hint are in the notebook"


def test_autograder_bundle_holds_every_question_with_its_hidden_tests(demo_edition) -> None:  # type: ignore[no-untyped-def]
    assert bundle_questions(demo_edition.autograder) == {"ch99_shape": 1, "ch99_cost": 1, "ch99_conv1d": 2,
                                                          "ch99_figure": 1}
    with zipfile.ZipFile(demo_edition.autograder) as bundle:
        assert "int(torch.ones(3, 3).sum())" in bundle.read("tests/ch99_figure.py").decode()
        assert json.loads(bundle.read("otter_config.json"))["assignment_name"] == "ch99"
        assert "files/convlib/__init__.py" in bundle.namelist(), "the bundle carries convlib for Gradescope"
        environment = bundle.read("environment.yml").decode()
        pins = [d for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
                if d.startswith(("torch==", "torchvision=="))]
        assert len(pins) == 2 and all(pin in environment for pin in pins), "the bundle installs the project's torch pair"


@pytest.mark.slow
def test_public_check_in_the_student_notebook_says_what_is_wrong(demo_edition) -> None:  # type: ignore[no-untyped-def]
    nb = nbformat.read(demo_edition.student, as_version=4)
    answer = next(c for c in nb.cells if c.source == "shape = ...")
    answer.source = "shape = (1, 8, 3, 3)"
    check = nb.cells.index(answer) + 1
    nb.cells = nb.cells[: check + 1]
    folder = str(demo_edition.student.parent)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
    shown = json.dumps([o for o in nb.cells[check].outputs])
    assert "your output has shape (1, 8, 3, 3); with stride 2 it should be (1, 8, 2, 2)" in shown
    assert "stride=2).shape" not in shown, "a student's check runs no hidden test"
    (text,) = [o["data"]["text/plain"] for o in nb.cells[check].outputs if "text/plain" in o.get("data", {})]
    assert text.splitlines() == ["❌ ch99_shape: your output has shape (1, 8, 3, 3); with stride 2 it should be "
                                 "(1, 8, 2, 2): (5 - 3) // 2 + 1 = 2"], "one line per failed check, no traceback"


# --- Planted mistakes and exercise figures (convlib.course.homework) ------------------------------------------


def test_public_check_failures_passes_the_solution_and_names_a_planted_stride_mistake() -> None:
    from convlib.course.homework import public_check_failures

    assert public_check_failures(DEMO, "ch99_shape") == []
    failures = public_check_failures(DEMO, "ch99_shape", "shape = (1, 8, 3, 3)")  # stride forgotten
    assert failures and "stride" in failures[0]
    assert public_check_failures(DEMO, "ch99_shape", "shape = 1 / 0")[0].startswith("the answer raised ZeroDivisionError")


def test_exercise_figure_reaches_the_student_edition_as_an_image_without_its_code(demo_edition) -> None:  # type: ignore[no-untyped-def]
    nb = nbformat.read(demo_edition.student, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "reads = torch.zeros" not in text, "the code that draws the figure reached the student"
    images = [c for c in nb.cells if c.cell_type == "markdown" and c.get("attachments")]
    assert len(images) == 1 and "image/png" in next(iter(images[0].attachments.values()))
    assert "3 by 3 block" in images[0].source, "the image keeps its text alternative"


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md")), ids=lambda p: p.stem[:2])
def test_every_chapter_question_has_a_hidden_test_so_its_points_reward_correctness(chapter: pathlib.Path) -> None:
    import jupytext

    from convlib.course.editions import _questions_with_hidden_tests

    nb = jupytext.read(chapter)
    names = questions(nb)
    assert names, f"{chapter.name} has no exercises"
    missing = [q for q in names if q not in _questions_with_hidden_tests(nb.cells)]
    assert not missing, f"{missing}: without a hidden test, the public checks would carry the points"


def test_student_edition_setup_cell_installs_convlib_from_the_site_or_says_how(demo_edition) -> None:  # type: ignore[no-untyped-def]
    """A student edition opened where convlib is missing never meets the placeholder name
    ``INSTALL_FROM_BOOK_SITE`` (a NameError): its set-up cell installs the site's wheel, or, when the
    book names no website, stops with one line saying how to install convlib."""
    import builtins

    from convlib.course.install import site_address, wheel_name

    nb = nbformat.read(demo_edition.student, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code" and "import convlib" in c.source)
    block = setup.source.split("\n\n", 1)[0]
    assert block.startswith("try:\n    import convlib") and "INSTALL_FROM_BOOK_SITE" not in block
    base = site_address()
    if base:
        assert f"{base}_static/wheels/{wheel_name()}" in block
        return
    real_import = builtins.__import__

    def no_convlib(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "convlib" or name.startswith("convlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    namespace = {"__builtins__": {**vars(builtins), "__import__": no_convlib}}
    with pytest.raises(ModuleNotFoundError, match="_static/wheels/ folder of the book's website.*pip install -e"):
        exec(compile(block, "<set-up>", "exec"), namespace)  # noqa: S102


def test_files_to_attachments_undoes_attachments_to_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import base64

    import nbformat

    from convlib.course.homework import attachments_to_files, files_to_attachments

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    cell = nbformat.v4.new_markdown_cell("Before\n![the figure](attachment:exercise-figure-1.png)\nafter")
    cell.attachments = {"exercise-figure-1.png": {"image/png": base64.b64encode(png).decode("ascii")}}
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("no image")])
    as_files = attachments_to_files(nb, tmp_path / "figures", "07-x")
    assert "attachment:" not in as_files.cells[0].source and "attachments" not in as_files.cells[0]
    back = files_to_attachments(as_files, tmp_path)
    name = "07-x-exercise-figure-1.png"
    assert back.cells[0].source == f"Before\n![the figure](attachment:{name})\nafter"
    assert base64.b64decode(back.cells[0].attachments[name]["image/png"]) == png
    assert back.cells[1] == nb.cells[1]
    assert files_to_attachments(back, tmp_path) == back                   # a second pass changes nothing
