"""Shared fixtures: the built site, a local web server for it, and headless Chromium."""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
from collections.abc import Iterator

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import pageload  # noqa: E402
from pageload import keep_offline  # noqa: E402,F401  (the browser tests' network-off guard)
# The built site; CONVBOOK_SITE points elsewhere, e.g. at one chapter built by `make chapter N=02`.
SITE = pathlib.Path(os.environ.get("CONVBOOK_SITE", ROOT / "_build" / "html")).resolve()
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_configure(config: pytest.Config) -> None:
    # Registered here, not in pyproject.toml (whose change reinstalls the venv and re-executes every chapter).
    config.addinivalue_line("markers", "author: a check for authors that another test of `make test` "
                            "already makes; `make test` deselects it")


@pytest.fixture(scope="module")
def one_thread() -> Iterator[None]:
    """One intra-op torch thread for a module of tiny tensors: pytest-xdist workers then don't oversubscribe the cores."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def site() -> pathlib.Path:
    """The built static website; `make book` builds it (`make test` does so first)."""
    if not (SITE / "index.html").exists():
        pytest.fail("the book is not built: run `make book` (or `make test`, which builds it first)")
    return SITE


@pytest.fixture(scope="session")
def site_url(site: pathlib.Path) -> Iterator[str]:
    """The site served on the loopback address, on a free port."""
    with pageload.serve(site) as url:
        yield url


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
