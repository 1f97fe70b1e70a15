"""The set-up block every chapter opens with, and how each copy of a chapter fills it in.

A chapter opened away from this repository (a notebook downloaded from the site, Colab, Binder, a
hub, a student edition handed out by an instructor) has no ``convlib``. Its set-up cell therefore
starts with :data:`SETUP_BLOCK`, whose install line names :data:`INSTALL_NAME`, a placeholder. Every
copy made for readers replaces it (:func:`setup_cell`): with the site's wheel and the packages the
chapters import when the book names its website (``html.baseurl`` in ``_config.yml``), or else with
one line that says how to install ``convlib``. The website's copies are made by
``book/_ext/prepare.py``; the student editions by :mod:`convlib.course.editions`.
"""

from __future__ import annotations

import importlib.metadata
import json
import pathlib
import tomllib

import nbformat
import yaml

__all__ = ["SETUP_BLOCK", "INSTALL_NAME", "READER_PACKAGES", "NO_SITE", "site_address", "wheel_name",
           "setup_cell", "fill_setup"]

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETUP_BLOCK = """try:
    import convlib
except ImportError:  # opened away from the book's repository: install convlib from the book's website
    import subprocess, sys
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *INSTALL_FROM_BOOK_SITE], check=True)
"""
INSTALL_NAME = "*INSTALL_FROM_BOOK_SITE"
# What the chapters import beyond convlib's own dependencies (tests/test_launch.py checks the list).
READER_PACKAGES = ("myst-nb", "scikit-image", "scikit-learn", "scipy", "tqdm")
NO_SITE = ('    raise ModuleNotFoundError("convlib, this book\'s own package, is not installed here: download its wheel (a .whl '
           'file) from the _static/wheels/ folder of the book\'s website, run pip install <that file> '
           + " ".join(READER_PACKAGES) + ', then restart the kernel; in a clone of the book\'s repository, '
           'run pip install -e . instead")')


def site_address(config: pathlib.Path = ROOT / "_config.yml") -> str:
    """The site's address (``html.baseurl`` in ``_config.yml``) ending in ``/``, or "" when it is not set
    (or there is no ``_config.yml``, as in an installed ``convlib``)."""
    if not config.exists():
        return ""
    base = ((yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("html") or {}).get("baseurl") or ""
    return base.rstrip("/") + "/" if base.strip() else ""


def wheel_name(pyproject: pathlib.Path = ROOT / "pyproject.toml") -> str:
    """The file name of convlib's wheel, which the site serves from ``_static/wheels/``."""
    if pyproject.exists():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        name, version = project["name"], project["version"]
    else:
        name, version = "convlib", importlib.metadata.version("convlib")
    return f"{name}-{version}-py3-none-any.whl"


def setup_cell(source: str, base: str, chapter: str = "a chapter") -> str:
    """A reader's set-up cell: the install line names the site's wheel at ``base`` (and what else the
    chapters import); with no ``base`` it raises a message saying where convlib comes from instead.

    Raises:
        ValueError: if ``source`` does not start with :data:`SETUP_BLOCK`.
    """
    if not source.startswith(SETUP_BLOCK):
        raise ValueError(f"{chapter}: the set-up cell must start with the block that installs convlib "
                         f"when it is missing (convlib/course/install.py SETUP_BLOCK; CONTRIBUTING.md, A chapter)")
    if not base:  # the two install lines become one that says what to do
        install = SETUP_BLOCK.split("except ImportError:")[1].split("\n", 1)[1]
        return source.replace(install, NO_SITE + "\n", 1)
    packages = [f"{base}_static/wheels/{wheel_name()}", *READER_PACKAGES]
    return source.replace(INSTALL_NAME, ", ".join(json.dumps(p) for p in packages), 1)


def fill_setup(nb: nbformat.NotebookNode, base: str | None = None) -> nbformat.NotebookNode:
    """``nb`` with its set-up cell filled in for readers (``base`` defaults to :func:`site_address`).
    A notebook whose first code cell lacks the block (a test fixture) is returned unchanged."""
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    if setup is not None and setup.source.startswith(SETUP_BLOCK):
        setup.source = setup_cell(setup.source, site_address() if base is None else base)
    return nb
