"""JupyterLab on the chapters: the student edition (``make lab``) or the master copies (``EDITION=instructor``).

    python -m convlib.course.lab [--edition student|instructor] [--chapters 02 06] [--dir _build/lab] [-- LAB ARGS]

**Student** (the default): each chapter's student edition, made by ``otter assign``
(:func:`convlib.course.editions.make_editions`): prompts, ``...`` stubs and a
working ``grader.check`` cell per exercise, no solution and no hidden test. The
notebooks live in ``DIR/student/`` (default ``_build/lab/student``), which is
JupyterLab's root: opening, running and saving them never touches ``chapters/``.
A chapter's notebook is made again only when the chapter or the course tooling
(``convlib/course``) changed since it was made; a notebook you edited is then
kept as ``DIR/student/previous/NN-topic-<time>.ipynb``. A chapter with no
exercise (or one ``otter assign`` rejects, say a chapter being written) opens as
the website's version, with its solutions stubbed.

**Instructor**: JupyterLab at the project root, with the MyST chapters (masters,
with solutions and otter's markers) opening as notebooks through jupytext.
Autosave is off there, and jupytext is told not to add its versions to a chapter's
header; it still adds a blank line here and there to a chapter it saves, so a
chapter changes only when you save it, and then by those blank lines too.

``--allow-root`` is passed to JupyterLab when running as root (as in many containers).
Arguments after ``--`` go to ``jupyter lab`` (``--port=8890 --no-browser``…).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence

import nbformat

from convlib.course.editions import ROOT, find_chapters

__all__ = ["prepare_student", "lab_command", "main"]

MANIFEST = ".convlib-lab.json"  # per chapter: the digests of its source and of the notebook made from it
VIEWERS = {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}
# jupytext would add its own and its format's versions to a chapter's header when it saves one
KEEP_HEADER = ("--JupytextConfiguration.notebook_metadata_filter="
               "-jupytext.text_representation.jupytext_version,-jupytext.text_representation.format_version")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tooling() -> str:
    """A digest of what makes the editions: the course modules and otter's version."""
    import otter

    parts = [p.read_bytes() for p in sorted((ROOT / "convlib" / "course").glob("*.py"))]
    return _digest(b"\0".join(parts) + otter.__version__.encode())


def _site_notebook(chapter: pathlib.Path) -> nbformat.NotebookNode:
    import jupytext

    from convlib.course.homework import site_version
    from convlib.course.install import fill_setup

    nb = fill_setup(site_version(jupytext.read(chapter)))
    nb.metadata.pop("jupytext", None)
    return nb


def prepare_student(chapters: Sequence[pathlib.Path], folder: pathlib.Path, *, log=print) -> list[pathlib.Path]:  # type: ignore[no-untyped-def]
    """Make (or keep, when up to date) the student notebook of each chapter in ``folder``; return their paths."""
    from convlib.course.editions import make_editions

    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    tooling = _tooling()
    if manifest.get("tooling") != tooling:
        manifest = {"tooling": tooling, "chapters": manifest.get("chapters", {})}
        for entry in manifest["chapters"].values():
            entry["source"] = None  # made by other tooling: make again
    made = []
    for chapter in chapters:
        target = folder / f"{chapter.stem}.ipynb"
        entry = manifest["chapters"].get(chapter.stem, {})
        source = _digest(chapter.read_bytes())
        if target.exists() and entry.get("source") == source:
            made.append(target)
            continue
        if target.exists() and _digest(target.read_bytes()) != entry.get("output"):
            kept = folder / "previous" / f"{chapter.stem}-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
            kept.parent.mkdir(exist_ok=True)
            shutil.move(target, kept)
            log(f"{chapter.stem}: the chapter changed; your edited notebook is kept as {kept}")
        with tempfile.TemporaryDirectory(prefix="convlib-lab-") as tmp:
            try:
                (edition,) = make_editions([chapter], pathlib.Path(tmp))
                shutil.copy2(edition.student, target)
            except Exception as err:  # noqa: BLE001 - a chapter being written may trip otter assign in any way
                if "has no exercise" not in str(err):
                    log(f"{chapter.stem}: no student edition ({type(err).__name__}: {str(err)[:200]}); "
                        "opening the website's version")
                nbformat.write(_site_notebook(chapter), target)
        manifest["chapters"][chapter.stem] = {"source": source, "output": _digest(target.read_bytes())}
        manifest_path.write_text(json.dumps(manifest, indent=1))
        log(f"{chapter.stem}: {target}")
        made.append(target)
    return made


def lab_command(root: pathlib.Path, settings: pathlib.Path, extra: Sequence[str] = ()) -> list[str]:
    """The ``jupyter lab`` command line: ``root`` as its root, ``settings`` as its settings overrides folder."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={settings}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return [*cmd, *extra]


def _settings(folder: pathlib.Path, autosave: bool) -> pathlib.Path:
    folder.mkdir(parents=True, exist_ok=True)
    overrides = {"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": VIEWERS, "autosave": autosave}}
    (folder / "overrides.json").write_text(json.dumps(overrides, indent=1))
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: prepare the edition, then replace this process by ``jupyter lab``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m convlib.course.lab", description=__doc__.split("\n")[0])
    parser.add_argument("--edition", choices=["student", "instructor"], default="student")
    parser.add_argument("--chapters", nargs="*", default=[], help="chapter numbers (02 06); default: all")
    parser.add_argument("--chapters-dir", type=pathlib.Path, default=ROOT / "chapters")
    parser.add_argument("--dir", type=pathlib.Path, default=ROOT / "_build" / "lab", help="working folder")
    parser.add_argument("--prepare-only", action="store_true", help="make the notebooks, do not start JupyterLab")
    args = parser.parse_args(argv)
    folder = args.dir.resolve()
    if args.edition == "student":
        chosen = find_chapters([c for item in args.chapters for c in item.split()], args.chapters_dir)
        root = folder / "student"
        prepare_student(chosen, root)
        settings = _settings(folder / "settings-student", autosave=True)
    else:
        root, settings = ROOT, _settings(folder / "settings-instructor", autosave=False)
        extra = [KEEP_HEADER, *extra]
    if args.prepare_only:
        return 0
    cmd = lab_command(root, settings, extra)
    print(f"JupyterLab, {args.edition} edition, on {root}", flush=True)
    os.execv(cmd[0], cmd)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
