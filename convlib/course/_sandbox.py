"""Inside the grading sandbox: isolate this process tree, then grade one notebook with otter.

Private to :mod:`convlib.course.grading`, which starts it (and uses :func:`drain` and
:func:`kill_tree`), under ``unshare --user --map-root-user --mount --pid --net``
when the kernel allows it::

    python convlib/course/_sandbox.py SUBMISSION.ipynb BUNDLE.zip --result-fd N --deadline T --grace G [--isolate]

With ``--isolate`` it first reads its two inputs, then makes every writable
filesystem read-only, mounts a fresh size-capped tmpfs on ``/tmp`` and
``/dev/shm``, and brings up the loopback of its empty network namespace: the
submission can write only into memory that vanishes with it, and sees no other
sandbox. It then lays out the submission as otter's autograder does (the
bundle's ``files/`` and ``tests/`` beside it) and calls otter's own
``grade_notebook``, which runs the notebook top to bottom and the tests of
each question where its ``grader.check`` cell stands (remaining ones at the end).

Limits: a cell still running at the notebook's deadline is interrupted and the
rest of the notebook gets ``grace`` seconds; output beyond ``OUTPUT_CAP``
characters is dropped. The result (scores, public-check messages, cell errors;
never a hidden test's text) is written as JSON to ``--result-fd``, a pipe the
notebook's kernel does not inherit.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import glob
import io
import json
import os
import pathlib
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from typing import IO, Any

# jsonschema compiles an optional IRI grammar (rfc3987_syntax) when imported, 1.5 s of CPU in each process
# that imports nbformat or otter; grading never validates IRIs, so the grader and its kernels skip it.
SKIP_IMPORT = "import sys; sys.modules.setdefault('rfc3987_syntax', None)\n"  # an IPython startup file

__all__ = ["isolate", "grade", "hint", "drain", "kill_tree", "OUTPUT_CAP"]

OUTPUT_CAP = 2_000_000  # characters of cell output kept per notebook
INFO = "convlib-assignment.json"  # written into the bundle by convlib.course.editions
_RO, _NOSUID, _NODEV, _NOEXEC, _REMOUNT, _BIND, _REC = 1, 2, 4, 8, 32, 4096, 16384
_KEEP = {"nosuid": _NOSUID, "nodev": _NODEV, "noexec": _NOEXEC, "noatime": 1024, "nodiratime": 2048,
         "relatime": 1 << 21}
_VIRTUAL = {"proc", "sysfs", "cgroup", "cgroup2", "devtmpfs", "devpts", "mqueue", "debugfs", "tracefs",
            "securityfs", "pstore", "bpf", "fusectl", "configfs", "hugetlbfs", "autofs", "binfmt_misc"}


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    enc = [s.encode() if s is not None else None for s in (source, target, fstype, data)]
    if libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target}: {os.strerror(errno)}")


def _kept_paths(hidden: tuple[str, ...]) -> list[str]:
    """The folders under ``hidden`` that grading needs: the interpreter's prefixes, sys.path, the project."""
    wanted = {sys.prefix, sys.base_prefix, str(pathlib.Path(__file__).resolve().parents[2]),
              *(p for p in sys.path if p)}
    inside = sorted({os.path.realpath(p) for p in wanted if os.path.isdir(p)
                     and any(os.path.realpath(p).startswith(h + "/") for h in hidden)})
    return [p for p in inside if not any(p.startswith(q + "/") for q in inside if q != p)]


def isolate(tmp_size: str = "1g") -> list[str]:
    """Make this mount namespace read-only but for fresh tmpfs ``/tmp`` and ``/dev/shm``; bring up ``lo``.

    Returns the notes of what could not be done (empty when all of it was).

    Raises:
        RuntimeError: unless this process is PID 1 of a new PID namespace inside a new user namespace
            (as under :data:`convlib.course.grading.NAMESPACES`): it never remounts the machine's own file systems.
    """
    uid_map = pathlib.Path("/proc/self/uid_map").read_text().split()
    if os.getpid() != 1 or uid_map == ["0", "0", "4294967295"]:
        raise RuntimeError("isolate() runs only as PID 1 of the grading namespaces (unshare --user --pid --fork); "
                           "refusing to remount this machine's file systems")
    notes = []
    for line in pathlib.Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = fields[4].encode().decode("unicode_escape")
        options, fstype = fields[5].split(","), fields[fields.index("-") + 1]
        if "ro" in options or fstype in _VIRTUAL or point.startswith(("/proc", "/sys", "/dev")):
            continue
        flags = _REMOUNT | _BIND | _RO | sum(_KEEP.get(o, 0) for o in options)
        try:
            _mount(None, point, None, flags)
        except OSError as err:
            notes.append(f"could not make {point} read-only ({err.strerror})")
    # The venv and the project may themselves live under /tmp (a CI clone, say): keep them, read-only.
    keep = {p: os.open(p, os.O_PATH) for p in _kept_paths(("/tmp", "/dev/shm"))}
    for point in ("/tmp", "/dev/shm"):
        _mount("tmpfs", point, "tmpfs", _NOSUID | _NODEV, f"size={tmp_size},mode=1777")
    for path, fd in keep.items():
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, _BIND | _REC)
        _mount(None, path, None, _REMOUNT | _BIND | _RO)
        os.close(fd)
    try:  # the loopback of the new network namespace starts down; the kernel talks to us over it
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, 0x8913, struct.pack("16sH14x", b"lo", 0)))[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))
    except OSError as err:
        notes.append(f"could not bring up the loopback ({err.strerror})")
    return notes


def _load_checks():
    """``convlib/course/checks.py`` by path: importing the package would import torch in every grader."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_convlib_checks", pathlib.Path(__file__).with_name("checks.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_checks = _load_checks()


def hint(message: str) -> str:
    """What a failed public check says, as ``grader.check`` shows it: the assert's message (``checks.hint``)."""
    return _checks.hint(message)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from the parent links in /proc."""
    children: dict[int, list[int]] = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill a submission's process group and every process below it (kernels start their own sessions)."""
    victims = _descendants(proc.pid)
    for kill, target in [(os.killpg, proc.pid)] + [(os.kill, p) for p in victims]:
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()


def drain(stream: IO[bytes], keep: list[bytes], cap: int) -> None:
    """Read a stream to its end, keeping the first ``cap`` bytes and the last ``cap`` bytes."""
    head, tail, dropped = bytearray(), bytearray(), 0
    for chunk in iter(lambda: stream.read(65536), b""):
        room = cap - len(head)
        head += chunk[:room]
        tail += chunk[max(room, 0):]
        if len(tail) > cap:
            dropped += len(tail) - cap
            del tail[: len(tail) - cap]
    note = f"\n[... {dropped} bytes of output dropped ...]\n".encode() if dropped else b""
    keep.append(bytes(head) + note + bytes(tail))


def _head(cell: Any) -> str:
    lines = [line for line in (getattr(cell, "source", "") or "").splitlines() if line.strip()]
    return (lines[0][:80] if lines else "(empty cell)")


def _bound_executor(deadline: float, grace: float, report: dict[str, Any]) -> None:
    """Replace nbconvert's ExecutePreprocessor (which otter uses) by one with a deadline and an output cap."""
    import nbconvert.preprocessors as pre

    base = pre.ExecutePreprocessor

    class Bounded(base):  # type: ignore[misc, valid-type]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.interrupt_on_timeout = True
            self.timeout_func = self._budget
            self._chars = 0

        @staticmethod
        def _budget(cell: Any) -> float:
            """Until the deadline; once it has passed, each remaining cell may use what is left of the grace."""
            now = time.monotonic()
            return deadline - now if deadline - now >= 1 else max(1.0, deadline + grace - 3 - now)

        async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
            report["interrupted"].append(_head(cell))
            return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
            content = msg.get("content", {})
            self._chars += len(content.get("text", "")) + len(json.dumps(content.get("data", {})))
            if self._chars > OUTPUT_CAP:
                if not report["truncated"]:
                    report["truncated"] = True
                return None
            return super().output(outs, msg, display_id, cell_index)

    pre.ExecutePreprocessor = Bounded


def _prepare(submission: bytes, name: str, bundle: bytes, base: pathlib.Path) -> tuple[pathlib.Path, dict]:
    """Lay the submission out as otter's autograder does; return its folder and the bundle's config."""
    source, folder = base / "source", base / "submission"
    zipfile.ZipFile(io.BytesIO(bundle)).extractall(source)
    folder.mkdir()
    (folder / name).write_bytes(submission)
    for item in (source / "files").iterdir() if (source / "files").exists() else []:
        (shutil.copytree if item.is_dir() else shutil.copy)(item, folder / item.name)
    shutil.copytree(source / "tests", folder / "tests")
    (base / "__init__.py").touch()
    (folder / "__init__.py").touch()
    config = json.loads((source / "otter_config.json").read_text()) if (source / "otter_config.json").exists() else {}
    return folder, config


def grade(submission: bytes, name: str, bundle: bytes, deadline: float, grace: float) -> dict[str, Any]:
    """Grade one notebook (bytes) with the bundle (bytes) in a fresh folder under ``$TMPDIR``."""
    import nbformat
    from otter.execute import grade_notebook

    report: dict[str, Any] = {"questions": {}, "errors": [], "interrupted": [], "truncated": False,
                              "catastrophic": None}
    base = pathlib.Path(tempfile.mkdtemp(prefix="grade-"))
    for var, sub in (("HOME", "home"), ("IPYTHONDIR", "home/.ipython"), ("MPLCONFIGDIR", "home/.mpl"),
                     ("JUPYTER_RUNTIME_DIR", "home/runtime")):
        os.environ[var] = str(base / sub)
        (base / sub).mkdir(parents=True, exist_ok=True)
    startup = base / "home/.ipython/profile_default/startup"
    startup.mkdir(parents=True)
    (startup / "00-skip-iri-grammar.py").write_text(SKIP_IMPORT)
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        info = json.loads(archive.read(INFO)) if INFO in archive.namelist() else {}
    name = info.get("notebook", name)  # the name its `otter.Notebook("…")` cell expects
    folder, config = _prepare(submission, name, bundle, base)
    expected = config.get("assignment_name")
    got = nbformat.reads(submission.decode("utf-8"), as_version=4).metadata.get("otter", {}).get("assignment_name")
    report["assignment"] = got
    if expected and got != expected:
        report["catastrophic"] = f"this notebook is for assignment {got!r}; the bundle grades {expected!r}"
        return report
    os.chdir(folder)
    _bound_executor(deadline, grace, report)
    results = grade_notebook(name, tests_glob=sorted(glob.glob("./tests/*.py")), cwd=str(folder),
                             test_dir="./tests", ignore_errors=True, seed=config.get("seed"),
                             seed_variable=config.get("seed_variable"), force_python3_kernel=True)
    if results.catastrophic_error is not None:
        report["catastrophic"] = f"{type(results.catastrophic_error).__name__}: {results.catastrophic_error}"
    for qname, test_file in results.results.items():
        cases = [{"hidden": bool(r.test_case.hidden), "passed": bool(r.passed),
                  "message": None if r.test_case.hidden or r.passed else hint(r.message or "")}
                 for r in test_file.test_case_results]
        report["questions"][qname] = {"score": test_file.score, "possible": test_file.possible, "cases": cases}
    for cell in (results.notebook.cells if results.notebook is not None else []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                report["errors"].append({"cell": _head(cell), "error": f"{out.ename}: {out.evalue}"[:300]})
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point run by :mod:`convlib.course.grading` in a fresh process (and namespace); ``--probe`` only isolates."""
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--probe"]:
        return 0 if not isolate() else 1
    parser = argparse.ArgumentParser(prog="convlib/course/_sandbox.py")
    parser.add_argument("submission", type=pathlib.Path)
    parser.add_argument("bundle", type=pathlib.Path)
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("--deadline", type=float, required=True, help="time.monotonic() of the notebook's end")
    parser.add_argument("--grace", type=float, default=15.0)
    parser.add_argument("--isolate", action="store_true")
    args = parser.parse_args(argv)
    sys.modules.setdefault("rfc3987_syntax", None)  # as SKIP_IMPORT, before anything imports nbformat
    os.set_inheritable(args.result_fd, False)
    submission, bundle = args.submission.read_bytes(), args.bundle.read_bytes()
    notes: list[str] = []
    try:
        notes = isolate() if args.isolate else []
        report = grade(submission, args.submission.name, bundle, args.deadline, args.grace)
    except Exception as err:  # noqa: BLE001 - every failure becomes a graded row
        traceback.print_exc()
        report = {"questions": {}, "errors": [], "interrupted": [], "truncated": False,
                  "catastrophic": f"{type(err).__name__}: {err}"[:500]}
    report["isolation_notes"] = notes
    with os.fdopen(args.result_fd, "w") as channel:
        json.dump(report, channel)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
