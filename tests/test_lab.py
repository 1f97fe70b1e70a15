"""`make lab` in headless Chromium: the student edition of a chapter runs, its widgets are live, its checks hint.

The test starts the same command as `make lab` (``python -m convlib.course.lab``) on a free port of
127.0.0.1, with JupyterLab's settings, workspaces and runtime files in a temporary folder, and drives it
with Playwright: it opens chapter 02's student edition, runs every cell, moves a widget and waits for the
kernel's redraw, plants a wrong answer and reads its check's one-line hint, saves, shuts the kernel down
and sees the widget fall back to its table ("static"). Then it stops the server and checks that the
chapters are byte-for-byte what they were: a copy of ``chapters/`` that the lab was given (others may be
editing the real folder meanwhile), and in ``chapters/`` itself the opened chapter and the absence of any
notebook or checkpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("lab")]

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTER = "02-arithmetic"
QUESTION = "ch02_output_shape"
WRONG = "shape = (2, 16, 17, 17)"  # forgets the convolution's stride (56 -> 52 at stride 1 -> pool 3 -> 17)
HINT = "17 leaves out the convolution's stride of 2"


def digest(folder: pathlib.Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_server(tmp: pathlib.Path, chapters: pathlib.Path) -> Iterator[tuple[str, pathlib.Path]]:
    """``python -m convlib.course.lab --chapters 02`` on 127.0.0.1; yields its URL (with token) and its notebook folder."""
    port, token = free_port(), secrets.token_hex(16)
    user_settings = tmp / "user-settings" / "@jupyterlab" / "notebook-extension"
    user_settings.mkdir(parents=True)
    (user_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp / "data"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
           "IPYTHONDIR": str(tmp / "ipython"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "convlib.course.lab", "--chapters", CHAPTER[:2], "--chapters-dir", str(chapters), "--dir", str(tmp / "lab"), "--",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--no-browser",
           f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = (tmp / "lab.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150
        while True:
            if proc.poll() is not None:
                pytest.fail(f"make lab exited with {proc.returncode}: {(tmp / 'lab.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer: {(tmp / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield f"{url}/lab/tree/{CHAPTER}.ipynb?token={token}", tmp / "lab" / "student"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the server shuts its kernels down
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in ours(tmp):  # a kernel runs in its own session; one left behind is killed by its id
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        log.close()


def ours(tmp: pathlib.Path) -> list[int]:
    """The processes whose command line names ``tmp`` (the server's kernels: their connection files are there)."""
    found = []
    for cmdline in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(tmp).encode() in cmdline.read_bytes() and int(cmdline.parent.name) != os.getpid():
                found.append(int(cmdline.parent.name))
    return found


NOTEBOOK = "window.jupyterapp.shell.currentWidget"


def cell_index(page, source_start: str) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate(f"""(start) => {NOTEBOOK}.content.widgets.findIndex(
        (c) => c.model.sharedModel.getSource().startsWith(start))""", source_start)


def run_cell(page, index: int) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(f"""async (i) => {{
        const nb = {NOTEBOOK}; nb.content.activeCellIndex = i;
        await window.jupyterapp.commands.execute('notebook:run-cell');
    }}""", index)


def test_make_lab_runs_the_student_edition_live_with_short_hints_and_leaves_chapters_unchanged(
        browser, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    chapters = tmp_path / "chapters"  # other people may be editing chapters/ meanwhile: the lab reads a copy
    shutil.copytree(ROOT / "chapters", chapters)
    before, opened = digest(chapters), (ROOT / "chapters" / f"{CHAPTER}.md").read_bytes()
    start = time.monotonic()
    with lab_server(tmp_path, chapters) as (url, folder):
        print(f"\nserver up {time.monotonic() - start:.1f} s")
        made = (folder / f"{CHAPTER}.ipynb").read_bytes()
        assert b"# SOLUTION" not in made and b"# HIDDEN" not in made and b"BEGIN QUESTION" not in made
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        page.wait_for_function(f"() => window.jupyterapp && {NOTEBOOK} && {NOTEBOOK}.sessionContext "
                               f"&& {NOTEBOOK}.sessionContext.session && {NOTEBOOK}.sessionContext.session.kernel")
        page.evaluate(f"async () => {{ await {NOTEBOOK}.sessionContext.ready; }}")
        print(f"kernel ready {time.monotonic() - start:.1f} s")
        all_ran = page.evaluate("async () => await window.jupyterapp.commands.execute('notebook:run-all-cells')")
        assert all_ran is True, f"a cell failed: {page.locator('.jp-RenderedText[data-mime-type*=error]').all_inner_texts()}"
        assert page.locator(".jp-Notebook [data-mime-type='application/vnd.jupyter.error']").count() == 0
        print(f"all cells ran {time.monotonic() - start:.1f} s")

        # The widget is live: moving a control brings the kernel's scene for the new values.
        widget = page.locator(".jp-Notebook .convlib-explorer").first
        widget.scroll_into_view_if_needed()
        widget.locator(".cx-status[data-status=live]").wait_for(timeout=20_000)
        figure = widget.locator(".cx-figure")
        first_key, first_drawn = figure.get_attribute("data-key"), figure.inner_html()
        control = widget.locator(".cx-controls [name]").first
        current = int(control.input_value())
        control.evaluate("(el, i) => { el.value = i; el.dispatchEvent(new Event('input', {bubbles: true})); }",
                         current + 1 if current < int(control.get_attribute("max")) else current - 1)
        page.wait_for_function("([el, key]) => el.dataset.source === 'kernel' && el.dataset.key !== key",
                               arg=[figure.element_handle(), first_key], timeout=20_000)
        assert figure.inner_html() != first_drawn, "the kernel's redraw did not change the figure"

        # A wrong answer: its check says what is wrong, in one line, with no traceback.
        answer, check = cell_index(page, "shape = "), cell_index(page, f'grader.check("{QUESTION}")')
        assert 0 <= answer < check, (answer, check)
        page.evaluate(f"([i, s]) => {NOTEBOOK}.content.widgets[i].model.sharedModel.setSource(s)", [answer, WRONG])
        run_cell(page, answer)
        run_cell(page, check)
        output = page.locator(".jp-Notebook .jp-Cell").nth(check).locator(".jp-OutputArea-output")
        page.wait_for_function("(el) => el.innerText.includes('❌')", arg=output.element_handle(), timeout=30_000)
        shown = output.inner_text().strip()
        assert shown == f"❌ {QUESTION}: {HINT}", shown

        # Saving writes the working copy, not the chapter.
        page.evaluate("async () => await window.jupyterapp.commands.execute('docmanager:save')")
        deadline = time.monotonic() + 20
        while (folder / f"{CHAPTER}.ipynb").read_bytes() == made and time.monotonic() < deadline:
            time.sleep(0.5)
        assert WRONG in (folder / f"{CHAPTER}.ipynb").read_text(), "the working copy was not saved"

        # The kernel gone, the widget says "static" and draws from its table.
        page.evaluate(f"async () => await {NOTEBOOK}.sessionContext.session.kernel.shutdown()")
        widget.locator(".cx-status[data-status=static]").wait_for(timeout=20_000)
        control.evaluate("(el) => { el.value = 0; el.dispatchEvent(new Event('input', {bubbles: true})); }")
        assert figure.get_attribute("data-source") == "table"
        assert widget.locator(".cx-status").inner_text() == "static"
        context.close()
    assert ours(tmp_path) == [], "a process of the lab outlived it"
    after = digest(chapters)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], f"the chapters changed while JupyterLab ran: {changed}"
    assert (ROOT / "chapters" / f"{CHAPTER}.md").read_bytes() == opened
    assert not [p for p in (ROOT / "chapters").rglob("*") if p.suffix == ".ipynb" or "checkpoints" in p.name]
    print(f"\nmake lab test: {time.monotonic() - start:.1f} s")


DEMO = ROOT / "tests" / "fixtures" / "homework" / "99-demo.md"


def test_student_notebooks_are_made_again_only_when_their_chapter_changes_and_edits_are_kept(
        tmp_path: pathlib.Path) -> None:
    from convlib.course.lab import prepare_student

    chapter = tmp_path / "chapters" / DEMO.name
    chapter.parent.mkdir()
    shutil.copy(DEMO, chapter)
    folder = tmp_path / "student"
    (notebook,) = prepare_student([chapter], folder, log=lambda *a: None)
    nb = json.loads(notebook.read_text())
    assert any('grader.check(\\"ch99_shape\\")' in json.dumps(c["source"]) for c in nb["cells"])
    notebook.write_text(notebook.read_text().replace("shape = ...", "shape = (1, 8, 2, 2)"))  # a reader's answer
    edited = notebook.read_bytes()
    prepare_student([chapter], folder, log=lambda *a: None)
    assert notebook.read_bytes() == edited, "an unchanged chapter must not replace the reader's notebook"
    chapter.write_text(chapter.read_text().replace("# Demo chapter (test fixture)", "# Demo chapter, revised"))
    prepare_student([chapter], folder, log=lambda *a: None)
    assert "Demo chapter, revised" in notebook.read_text()
    (kept,) = (folder / "previous").glob("99-demo-*.ipynb")
    assert kept.read_bytes() == edited, "the reader's edited notebook is kept when the chapter changed"


def test_lab_command_allows_root_exactly_when_run_as_root(tmp_path: pathlib.Path) -> None:
    from convlib.course.lab import lab_command

    cmd = lab_command(tmp_path / "student", tmp_path / "settings", ["--port=8890"])
    assert ("--allow-root" in cmd) == (os.geteuid() == 0)
    assert f"--ServerApp.root_dir={tmp_path / 'student'}" in cmd and cmd[-1] == "--port=8890"


def test_explorer_answers_a_ping_with_a_pong_and_keys_each_scene_by_its_values() -> None:
    """What the front end's live/static indicator relies on (``convlib/static/explorer.js``)."""
    from convlib.scene import Grid, Scene
    from convlib.widgets import Control, Explorer

    widget = Explorer(lambda n: Scene(grids=[Grid("g", 0, 0, 1, n)]), [Control("n", [1, 2], 1)], static=False)
    sent: list[object] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    widget._handle_custom_msg({"type": "ping", "id": 7}, [])
    widget._handle_custom_msg({"type": "something else"}, [])
    assert sent == [{"type": "pong", "id": 7}]
    assert widget.scene_key == "1"
    widget.values = {"n": 2}
    assert (widget.scene_key, widget.scene["grids"][0]["cols"]) == ("2", 2)
