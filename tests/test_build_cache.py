"""The book's execution cache (book/_ext/buildcache.py), on a tiny book of two notebooks.

Each executed notebook appends a line to ``runs-<name>.txt`` beside it, so the
tests count executions instead of guessing them from timings.
"""

from __future__ import annotations

import importlib.util
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("buildcache", ROOT / "book" / "_ext" / "buildcache.py")
assert spec and spec.loader
buildcache = importlib.util.module_from_spec(spec)
sys.modules["buildcache"] = buildcache  # its worker function is pickled by name for the process pool
spec.loader.exec_module(buildcache)

CONFIG = """\
title: tiny
only_build_toc_files: true
execute:
  execute_notebooks: cache
  timeout: 60
  allow_errors: false
launch_buttons:
  thebe: false
sphinx:
  config:
    nb_ipywidgets_js: {}
    nb_execution_show_tb: true
"""
TOC = "format: jb-book\nroot: intro\nchapters:\n  - file: a\n  - file: b\n"


def notebook(name: str, prose: str, code: str) -> nbformat.NotebookNode:
    counter = f"open('runs-{name}.txt', 'a').write('run\\n')"
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Notebook {name}\n\n{prose}"),
                nbformat.v4.new_code_cell(counter), nbformat.v4.new_code_cell(code)]
    return nb


def write(src: pathlib.Path, name: str, prose: str = "Some prose.", code: str = "print(6 * 7)") -> None:
    nbformat.write(notebook(name, prose, code), src / f"{name}.ipynb")


def runs(src: pathlib.Path, name: str) -> int:
    path = src / f"runs-{name}.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.fixture
def book(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """(fake project root with a convlib, the book's source tree, the cache folder)."""
    root = tmp_path / "project"
    (root / "convlib").mkdir(parents=True)
    (root / "convlib" / "__init__.py").write_text("VALUE = 1\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "_config.yml").write_text(CONFIG)
    (src / "_toc.yml").write_text(TOC)
    (src / "intro.md").write_text("# Intro\n")
    write(src, "a")
    write(src, "b")
    return root, src, tmp_path / "_build" / ".jupyter_cache"


def execute(book: tuple[pathlib.Path, pathlib.Path, pathlib.Path], capsys: pytest.CaptureFixture[str] | None = None) -> int:
    root, src, cache = book
    return buildcache.run(src, cache, jobs=2, root=root)


def test_first_run_executes_every_notebook_and_a_second_run_none(book, capsys) -> None:
    _, src, _ = book
    assert execute(book) == 0
    assert (runs(src, "a"), runs(src, "b")) == (1, 1)
    assert execute(book) == 0
    assert (runs(src, "a"), runs(src, "b")) == (1, 1)
    assert "a.ipynb is up to date" in capsys.readouterr().out


def test_a_prose_change_does_not_re_execute(book) -> None:
    _, src, _ = book
    assert execute(book) == 0
    write(src, "a", prose="Other prose, same code.")
    assert execute(book) == 0
    assert (runs(src, "a"), runs(src, "b")) == (1, 1)


def test_a_code_change_re_executes_that_notebook_only(book) -> None:
    _, src, _ = book
    assert execute(book) == 0
    write(src, "a", code="print(6 * 9)")
    assert execute(book) == 0
    assert (runs(src, "a"), runs(src, "b")) == (2, 1)


def test_a_cell_tag_change_re_executes(book) -> None:
    _, src, _ = book
    assert execute(book) == 0
    nb = nbformat.read(src / "a.ipynb", as_version=4)
    nb.cells[2].metadata["tags"] = ["hide-input"]
    nbformat.write(nb, src / "a.ipynb")
    assert execute(book) == 0
    assert runs(src, "a") == 2


@pytest.mark.parametrize("change", ["edit", "new file"])
def test_a_convlib_change_re_executes_every_notebook(book, change: str) -> None:
    root, src, _ = book
    assert execute(book) == 0
    if change == "edit":
        (root / "convlib" / "__init__.py").write_text("VALUE = 2\n")
    else:
        (root / "convlib" / "depthwise.py").write_text("\n")
    assert execute(book) == 0
    assert (runs(src, "a"), runs(src, "b")) == (2, 2)


def test_convlib_byte_code_does_not_invalidate(book) -> None:
    root, src, _ = book
    assert execute(book) == 0
    (root / "convlib" / "__pycache__").mkdir()
    (root / "convlib" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    assert execute(book) == 0
    assert runs(src, "a") == 1


def test_a_failing_cell_fails_even_when_a_good_run_is_cached(book, capsys) -> None:
    _, src, cache = book
    assert execute(book) == 0
    write(src, "a", code="raise ValueError('planted failure')")
    assert execute(book) == 1
    err = capsys.readouterr().err
    assert "a.ipynb FAILED (CellExecutionError)" in err and "planted failure" in err
    # nothing was cached for the failing version: the next run executes it again, and fails again
    assert execute(book) == 1
    assert runs(src, "a") == 3
    # and the good version is still served from the cache once restored
    write(src, "a")
    assert execute(book) == 0
    assert runs(src, "a") == 3


def test_the_command_exits_non_zero_with_the_traceback_when_a_notebook_fails(book, tmp_path) -> None:
    _, src, _ = book
    write(src, "b", code="1 / 0")
    done = subprocess.run([sys.executable, str(ROOT / "book" / "_ext" / "buildcache.py"), str(src),
                           "--path-output", str(tmp_path), "--jobs", "2"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "ZeroDivisionError" in done.stderr and "the book is not built" in done.stderr


@pytest.mark.skipif(shutil.which("jupyter-book", path=str(pathlib.Path(sys.executable).parent)) is None,
                    reason="jupyter-book is not installed")
def test_jupyter_book_renders_from_the_cache_with_widget_state_and_fails_on_an_uncached_error(book, tmp_path) -> None:
    """Jupyter Book finds every notebook the script cached (no execution), widgets keep their state,
    and a failing notebook that reaches Jupyter Book uncached still fails the -W build."""
    root, src, _ = book
    write(src, "b", code="import ipywidgets\nipywidgets.IntSlider(value=3, description='planted slider')")
    assert execute(book) == 0
    jb = str(pathlib.Path(sys.executable).parent / "jupyter-book")
    command = [jb, "build", str(src), "--path-output", str(tmp_path), "--all", "-W", "-n", "--keep-going"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (runs(src, "a"), runs(src, "b")) == (1, 1), "Jupyter Book executed a notebook the cache held"
    html = (tmp_path / "_build" / "html" / "b.html").read_text()
    assert "application/vnd.jupyter.widget-state+json" in html and "planted slider" in html
    write(src, "a", code="raise ValueError('planted failure')")
    buildcache.stamp(src / "a.ipynb", buildcache.inputs_hash(root))
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode != 0
    assert "planted failure" in done.stdout + done.stderr
