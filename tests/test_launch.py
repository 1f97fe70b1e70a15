"""Launch buttons and chapters opened away from the repository (issue #9, item 2).

The addresses live in one place, ``_config.yml`` (README, "For instructors: publishing the book"):
``html.baseurl`` (the site), ``repository.url`` at ``repository.branch`` (the repository that holds the
built site) and ``launch_buttons.jupyterhub_url``. The launch buttons open the site's own notebooks,
``_sources/chapters/NN.ipynb``; each chapter's set-up cell installs the site's convlib wheel
(``_static/wheels/``) when convlib is missing.
"""

from __future__ import annotations

import functools
import http.server
import importlib.metadata
import json
import os
import pathlib
import re
import subprocess
import sys
import sysconfig
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator

import jupytext
import nbformat
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import prepare  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
PLACEHOLDERS = ("example.edu", "example.com", "convbook/convolutions-book")
LAUNCH_LINK = re.compile(r'href="(https?://[^"]*(?:/v2/gh/|/v2/git/|/github/[^"]*/blob/|/hub/user-redirect/git-pull)[^"]*)"')


def _first_code_cell(path: pathlib.Path) -> str:
    return next(c.source for c in jupytext.read(path).cells if c.cell_type == "code")


def _site_config(site: pathlib.Path) -> dict:
    """The ``_config.yml`` the site was built from (``make book``: _build/src; ``make chapter``: _build/chNN/src)."""
    for candidate in (site.parent / "src", site.parents[1] / "src"):
        if (candidate / "_config.yml").exists() and (site / "index.html").exists():
            return yaml.safe_load((candidate / "_config.yml").read_text(encoding="utf-8"))
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _addresses(config: dict) -> tuple[str, str, str]:
    base = ((config.get("html") or {}).get("baseurl") or "").strip()
    repo = ((config.get("repository") or {}).get("url") or "").strip()
    hub = ((config.get("launch_buttons") or {}).get("jupyterhub_url") or "").strip()
    return base, repo, hub


def _pages(site: pathlib.Path) -> list[pathlib.Path]:
    return [p for p in site.rglob("*.html") if "_static" not in p.parts]


# ---------------------------------------------------------------- sources (no site needed)


def test_every_chapter_set_up_cell_starts_with_the_block_that_installs_convlib_when_missing() -> None:
    assert len(CHAPTERS) == 16
    for chapter in CHAPTERS:
        assert _first_code_cell(chapter).startswith(prepare.SETUP_BLOCK), f"{chapter.name}: set-up cell lacks the install block"


def test_the_set_up_cell_still_runs_as_the_exercise_harness_runs_it_when_convlib_is_installed() -> None:
    """The harness (convlib.course.homework) execs the first code cell: with convlib present the block does nothing."""
    namespace: dict = {}
    exec(compile(prepare.setup_cell(prepare.SETUP_BLOCK, "http://127.0.0.1:9/"), "<set-up>", "exec"), namespace)  # noqa: S102
    assert namespace["convlib"].__name__ == "convlib" and "subprocess" not in namespace


def test_with_no_site_address_the_set_up_cell_says_how_to_get_convlib_instead_of_a_placeholder() -> None:
    cell = prepare.setup_cell(prepare.SETUP_BLOCK, "")
    assert "INSTALL_FROM_BOOK_SITE" not in cell and "http" not in cell
    assert "raise ModuleNotFoundError(" in cell and "pip install" in cell
    compile(cell, "<set-up>", "exec")


def test_what_the_set_up_cell_installs_covers_every_package_the_chapters_import() -> None:
    """convlib's own requirements (and theirs), plus prepare.READER_PACKAGES, hold every module a chapter imports."""
    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    wanted, seen = ["convlib", *prepare.READER_PACKAGES], set()
    while wanted:  # the installed closure of the requirements
        name = norm(wanted.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        wanted += [re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r]
    providers = importlib.metadata.packages_distributions()
    missing = set()
    for chapter in CHAPTERS:
        for cell in (c.source for c in jupytext.read(chapter).cells if c.cell_type == "code"):
            for module in re.findall(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", cell, flags=re.M):
                if module in sys.stdlib_module_names or module == "convlib":
                    continue
                if not {norm(d) for d in providers.get(module, [module])} & seen:
                    missing.add(f"{chapter.name}: {module}")
    assert not missing, f"a reader away from the repository would lack: {sorted(missing)} (add to prepare.READER_PACKAGES)"


# ---------------------------------------------------------------- the built site


@pytest.mark.book
def test_no_page_names_a_placeholder_host_or_repository(site: pathlib.Path) -> None:
    for path in _pages(site) + list(site.rglob("*.ipynb")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        for placeholder in PLACEHOLDERS:
            assert placeholder not in text, f"{path.relative_to(site)} names the placeholder {placeholder!r}"


@pytest.mark.book
def test_launch_buttons_open_notebooks_that_the_site_holds_and_only_when_their_addresses_are_set(site: pathlib.Path) -> None:
    """Every Binder, Colab and JupyterHub link opens ``<path>`` of the repository branch that holds the site, and
    ``site/<path>`` is a notebook there; with no site or repository address there is no launch button at all."""
    base, repo, hub = _addresses(_site_config(site))
    notebooks = site / "_sources" / "chapters"
    # the executed chapters (`make chapter` builds the others as title-only stubs, which are not notebooks)
    chapter_pages = [p for p in sorted((site / "chapters").glob("[0-9][0-9]-*.html")) if (notebooks / f"{p.stem}.ipynb").exists()]
    assert chapter_pages
    checked = 0
    for page in _pages(site):
        html = page.read_text(encoding="utf-8")
        links = [u.replace("&amp;", "&") for u in LAUNCH_LINK.findall(html)]
        if page not in chapter_pages or not (base and repo):
            assert not links and "launch-buttons" not in html, f"{page.relative_to(site)} shows launch buttons: {links[:3]}"
            continue
        hosts = {urllib.parse.urlsplit(u).netloc for u in links}
        expected = {"mybinder.org", "colab.research.google.com"} | ({urllib.parse.urlsplit(hub).netloc} if hub else set())
        assert hosts == expected, f"{page.name}: launch links to {sorted(hosts)}, expected {sorted(expected)}"
        owner_repo = urllib.parse.urlsplit(repo).path.strip("/")
        for url in links:
            parts = urllib.parse.urlsplit(url)
            query = urllib.parse.parse_qs(parts.query)
            if "/github/" in parts.path:  # Colab: /github/OWNER/REPO/blob/BRANCH/PATH
                found = re.match(rf"/github/{re.escape(owner_repo)}/blob/[^/]+/(.+)$", parts.path)
                target = found.group(1) if found else None
            elif "/v2/gh/" in parts.path:  # Binder: /v2/gh/OWNER/REPO/BRANCH?urlpath=lab/tree/PATH
                assert parts.path.startswith(f"/v2/gh/{owner_repo}/"), url
                target = query["urlpath"][0].removeprefix("lab/tree/")
            else:  # JupyterHub with nbgitpuller: repo=..., urlpath=lab/tree/REPO/PATH
                assert query["repo"][0].rstrip("/") == repo.rstrip("/"), url
                target = query["urlpath"][0].removeprefix("lab/tree/").split("/", 1)[1]
            assert target and target.endswith(".ipynb"), f"{page.name}: {url} does not open a notebook"
            assert (site / target).is_file(), f"{page.name}: {url} opens {target}, which the site does not hold"
            checked += 1
    assert checked == (0 if not (base and repo) else len(chapter_pages) * (3 if hub else 2))


@pytest.mark.book
def test_site_serves_a_convlib_wheel_with_the_package_and_its_data(site: pathlib.Path) -> None:
    wheel = site / "_static" / "wheels" / prepare.wheel_name()
    assert wheel.is_file(), f"the site lacks {wheel.relative_to(site)}"
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("convlib/__init__.py", "convlib/static/explorer.js", "convlib/course/homework.py"):
        assert needed in names, f"{wheel.name} lacks {needed}"
    package = {str(p.relative_to(ROOT)) for p in (ROOT / "convlib").rglob("*.py") if "__pycache__" not in p.parts}
    assert package <= names, f"{wheel.name} lacks {sorted(package - names)[:5]}"


@pytest.mark.book
def test_each_chapter_notebook_on_the_site_installs_convlib_from_the_configured_site_address(site: pathlib.Path) -> None:
    base, _, _ = _addresses(_site_config(site))
    block = prepare.setup_cell(prepare.SETUP_BLOCK, base.rstrip("/") + "/" if base else "")
    found = sorted((site / "_sources" / "chapters").glob("[0-9][0-9]-*.ipynb"))
    assert found
    for path in found:
        setup = next(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert setup.startswith(block), f"{path.name}: set-up cell does not start with\n{block}"


class _Recording(http.server.SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        self.requested.append(self.path)


@pytest.fixture
def served(site: pathlib.Path) -> Iterator[tuple[str, list[str]]]:
    requested: list[str] = []
    handler = functools.partial(type("H", (_Recording,), {"requested": requested}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", requested
    server.shutdown()


@pytest.mark.book
def test_a_downloaded_chapter_installs_convlib_from_the_site_wheel_in_a_fresh_venv(
    site: pathlib.Path, served: tuple[str, list[str]], tmp_path: pathlib.Path
) -> None:
    """The site's .ipynb of a chapter, its address set to the site served on 127.0.0.1, runs its set-up cell in a
    kernel of a new venv that has torch and the rest but no convlib: convlib comes from the site's wheel."""
    from nbclient import NotebookClient

    url, requested = served
    downloads = sorted((site / "_sources" / "chapters").glob("[0-9][0-9]-*.ipynb"))
    path = next((p for p in downloads if p.name.startswith("04-")), downloads[0])
    nb = nbformat.read(path, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    base, _, _ = _addresses(_site_config(site))
    built = prepare.setup_cell(prepare.SETUP_BLOCK, base.rstrip("/") + "/" if base else "")
    assert nb.cells[first].source.startswith(built)
    nb.cells[first].source = prepare.setup_cell(prepare.SETUP_BLOCK, url) + nb.cells[first].source[len(built):]
    probe = "import convlib, importlib.metadata as md\nprint(convlib.__file__)\nprint(md.distribution('convlib').read_text('direct_url.json'))"
    nb.cells = nb.cells[: first + 1] + [nbformat.v4.new_code_cell(probe)]

    # The new venv sees this venv's packages through a folder of links that leaves convlib out.
    here = pathlib.Path(sysconfig.get_paths()["purelib"])
    overlay = tmp_path / "deps"
    overlay.mkdir()
    for entry in here.iterdir():
        if "convlib" not in entry.name.lower():
            (overlay / entry.name).symlink_to(entry)
    venv = tmp_path / "venv"
    base_python = getattr(sys, "_base_executable", "") or (
        pathlib.Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
    subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = pathlib.Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                          capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "zz_book_deps.pth").write_text(f"import site; site.addsitedir({str(overlay)!r})\n")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CACHE_DIR=str(tmp_path / "pip-cache"),
               JUPYTER_PATH=str(tmp_path / "share" / "jupyter"), MPLBACKEND="Agg")
    absent = subprocess.run([str(python), "-c", "import convlib"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert absent.returncode != 0 and "No module named 'convlib'" in absent.stderr, "the fresh venv already has convlib"
    kernel = tmp_path / "share" / "jupyter" / "kernels" / "fresh"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                                    "display_name": "fresh", "language": "python"}))
    old_env = dict(os.environ)
    os.environ.update(env)  # the kernel inherits it
    try:
        NotebookClient(nb, kernel_name="fresh", timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream").splitlines()
    wheel_url = f"{url}_static/wheels/{prepare.wheel_name()}"
    assert pathlib.Path(printed[0]).is_relative_to(purelib), f"convlib imported from {printed[0]}, not the new venv"
    assert json.loads(printed[1])["url"] == wheel_url, f"convlib was installed from {printed[1]}"
    assert f"/_static/wheels/{prepare.wheel_name()}" in requested, f"the site's wheel was never fetched: {requested}"
