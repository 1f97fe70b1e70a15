"""Grade a folder of submitted notebooks with the chapters' autograder bundles.

    python -m convlib.course.grading SUBMISSIONS --autograder dist/homework/autograder --out grades \\
        --timeout 120 --jobs 2

Writes ``OUT/grades.csv`` (one row per submission: ``student``, one column per
question with the points earned, ``total``, ``status``), ``OUT/feedback/<student>.txt``
(each question's result, the public checks' hints, the errors and limits hit) and
``OUT/logs/<student>.log`` (the grader's captured output, for instructors).

Each notebook is graded by otter's own grading code (as ``otter run`` and
Gradescope do) in a separate process (``convlib.course._sandbox``) with its own
wall-clock limit, killed with all its processes when the limit and a short
grace are spent. Where unprivileged user namespaces work, that process runs in
fresh user, mount, PID and network namespaces: the file system is read-only
but for a private tmpfs, no other sandbox is visible, nothing is reachable on
the network. Where they do not, it still runs in a private temporary folder
with the same limits, and its feedback says so. The bundle for a notebook is
the one whose assignment name (``chNN``) its metadata carries; with several
chapters in one folder, one ``grades-chNN.csv`` per chapter is written.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import functools
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from convlib.course._sandbox import drain, kill_tree
from convlib.course.editions import bundle_questions

__all__ = ["Bundle", "Result", "sandbox_available", "grade_submission", "grade_folder", "feedback_text", "main"]

NAMESPACES = ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "--mount-proc", "--net",
              "--kill-child=SIGKILL"]
# Run as a script (-P: without its folder on sys.path), not `-m convlib.course._sandbox`: importing the
# package would import torch in every grader.
WORKER = str(pathlib.Path(__file__).with_name("_sandbox.py"))
LOG_CAP = 256 * 1024  # bytes of a submission's captured output kept (head and tail)
RESULT_CAP = 16 * 1024 * 1024


@dataclass
class Bundle:
    """An autograder bundle: its path, assignment name and questions with their points (in chapter order)."""

    path: pathlib.Path
    name: str | None
    questions: dict[str, float]

    @classmethod
    def load(cls, path: pathlib.Path) -> Bundle:
        with zipfile.ZipFile(path) as bundle:
            config = json.loads(bundle.read("otter_config.json")) if "otter_config.json" in bundle.namelist() else {}
        return cls(path.resolve(), config.get("assignment_name"), bundle_questions(path))


@dataclass
class Result:
    """The grade of one submission; ``status`` is ``ok``, ``timeout`` or ``error``."""

    student: str
    bundle: Bundle | None
    status: str
    seconds: float
    isolation: str
    report: dict[str, Any] = field(default_factory=dict)
    log: str = ""

    @property
    def scores(self) -> dict[str, float]:
        """Points earned per question of the bundle (0 for a question with no result)."""
        got = self.report.get("questions", {})
        names = self.bundle.questions if self.bundle else {}
        return {q: float(got.get(q, {}).get("score", 0)) for q in names}

    @property
    def total(self) -> float:
        return sum(self.scores.values())


@functools.cache
def sandbox_available() -> bool:
    """Whether this machine lets an unprivileged process create the grading namespaces and isolate itself there."""
    if not shutil.which("unshare"):
        return False
    try:
        probe = [*NAMESPACES, sys.executable, "-P", WORKER, "--probe"]
        return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def grade_submission(path: pathlib.Path, bundle: Bundle, timeout: float = 120.0, *, grace: float | None = None,
                     isolate: bool = True) -> Result:
    """Grade one notebook in its own sandboxed process; always returns a result, never raises for the notebook.

    Args:
        path: the submitted ``.ipynb``.
        bundle: the chapter's autograder bundle.
        timeout: seconds the notebook may run (kernel start included); a cell still running then is
            interrupted, and the grader keeps ``grace`` more seconds to finish before it kills everything.
        grace: seconds after ``timeout`` (default: a quarter of it, between 10 and 30).
        isolate: use the namespaces when :func:`sandbox_available`.

    Raises:
        ValueError: if ``timeout`` or ``grace`` is not positive.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    grace = min(30.0, max(10.0, timeout / 4)) if grace is None else grace
    if grace <= 0:
        raise ValueError(f"grace must be a positive number of seconds, got {grace}")
    sandboxed = isolate and sandbox_available()
    isolation = "namespaces (read-only files, private tmpfs, own PIDs, no network)" if sandboxed else (
        "none: user namespaces are unavailable, so the notebook ran as you in a private temporary folder")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="convlib-grade-") as private:
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-P", WORKER, str(path.resolve()), str(bundle.path),
               "--result-fd", str(write_fd), "--deadline", repr(start + timeout), "--grace", str(grace)]
        cmd = [*NAMESPACES, *cmd, "--isolate"] if sandboxed else cmd
        env = {"PATH": f"{pathlib.Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "TMPDIR": "/tmp" if sandboxed else private, "HOME": private, "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "CONVLIB_GRADING": "1"}
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                pass_fds=(write_fd,), start_new_session=True, cwd=private, env=env)
        os.close(write_fd)
        log: list[bytes] = []
        answer: list[bytes] = []
        with os.fdopen(read_fd, "rb") as channel:
            readers = [threading.Thread(target=drain, args=(proc.stdout, log, LOG_CAP), daemon=True),
                       threading.Thread(target=drain, args=(channel, answer, RESULT_CAP), daemon=True)]
            for reader in readers:
                reader.start()
            try:
                proc.wait(timeout=max(1.0, start + timeout + grace - time.monotonic()))
                killed = False
            except subprocess.TimeoutExpired:
                kill_tree(proc)
                killed = True
            for reader in readers:
                reader.join(10)
    try:
        report = json.loads(answer[0]) if answer and answer[0] else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        report = {}
    status = ("timeout" if killed or report.get("interrupted") else
              "error" if not report or report.get("catastrophic") else "ok")
    if killed:
        report.setdefault("catastrophic", f"killed after {timeout:g} s + {grace:g} s of grace")
    elif not report:
        report["catastrophic"] = f"the grader exited with code {proc.returncode} and no result"
    text = b"".join(log).decode("utf-8", "replace")
    return Result(path.stem, bundle, status, time.monotonic() - start, isolation, report, text)


def _fmt(x: float) -> str:
    return f"{x:g}"


def feedback_text(result: Result) -> str:
    """The feedback a student reads: per question, points and what each public check said; never hidden test text."""
    bundle, report = result.bundle, result.report
    possible = sum(bundle.questions.values()) if bundle else 0
    lines = [f"Feedback for {result.student}" + (f" — {bundle.name}" if bundle and bundle.name else ""),
             f"Score: {_fmt(result.total)} / {_fmt(possible)}    status: {result.status}", ""]
    for name, points in (bundle.questions.items() if bundle else []):
        question = report.get("questions", {}).get(name)
        lines.append(f"{name}: {_fmt(result.scores[name])} / {_fmt(points)}")
        if question is None:
            lines.append("  not graded (the notebook did not get that far)")
            continue
        public = hidden = 0
        for case in question["cases"]:
            mark = "✓" if case["passed"] else "✗"
            if case["hidden"]:
                hidden += 1
                lines.append(f"  {mark} hidden test {hidden}" + ("" if case["passed"] else " failed"))
            else:
                public += 1
                detail = "" if case["passed"] else f": {case['message'] or 'failed'}"
                lines.append(f"  {mark} public check {public}{detail}")
    if report.get("errors"):
        lines += ["", "Cells that raised an error (the notebook is run from top to bottom):"]
        lines += [f"  - cell starting `{e['cell']}`: {e['error']}" for e in report["errors"]]
    if report.get("interrupted"):
        lines += ["", "Time limit: these cells were still running when the notebook's time was up and "
                  "were interrupted:"] + [f"  - `{cell}`" for cell in report["interrupted"]]
    if report.get("truncated"):
        lines += ["", "Your notebook printed too much; output beyond the limit was dropped."]
    if report.get("catastrophic"):
        lines += ["", f"Grading stopped: {report['catastrophic']}"]
    lines += ["", f"Isolation: {result.isolation}"] + [f"  {n}" for n in report.get("isolation_notes", [])]
    return "\n".join(lines) + "\n"


def _write_csv(path: pathlib.Path, results: list[Result], questions: Sequence[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *questions, "total", "status"])
        for r in sorted(results, key=lambda r: r.student):
            writer.writerow([r.student, *(_fmt(r.scores.get(q, 0)) for q in questions), _fmt(r.total), r.status])


def _bundles(autograder: pathlib.Path) -> list[Bundle]:
    paths = [autograder] if autograder.is_file() else sorted(autograder.rglob("*.zip"))
    if not paths:
        raise ValueError(f"autograder must be a bundle .zip or a folder holding some, got {autograder}")
    return [Bundle.load(p) for p in paths]


def _bundle_for(path: pathlib.Path, bundles: list[Bundle]) -> Bundle | None:
    if len(bundles) == 1:
        return bundles[0]
    try:
        name = json.loads(path.read_text(encoding="utf-8"))["metadata"]["otter"]["assignment_name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return next((b for b in bundles if b.name == name), None)


def grade_folder(submissions: pathlib.Path, autograder: pathlib.Path, out: pathlib.Path, *,
                 timeout: float = 120.0, jobs: int = 2, isolate: bool = True) -> list[Result]:
    """Grade every ``.ipynb`` under ``submissions``, ``jobs`` at a time; write the CSV(s), feedback and logs.

    The student of ``submissions/alice.ipynb`` is ``alice``; of ``submissions/group1/alice.ipynb``,
    ``group1__alice``.

    Raises:
        ValueError: if ``submissions`` is not a folder, ``autograder`` holds no bundle, ``jobs`` < 1
            or ``timeout`` is not positive.
    """
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder of .ipynb files, got {submissions}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    bundles = _bundles(autograder)
    paths = sorted(p for p in submissions.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

    def one(path: pathlib.Path) -> Result:
        bundle = _bundle_for(path, bundles)
        if bundle is None:
            names = ", ".join(str(b.name) for b in bundles)
            result = Result(path.stem, None, "error", 0.0, "not run",
                            {"catastrophic": f"no bundle for this notebook's assignment (bundles: {names})"})
        else:
            result = grade_submission(path, bundle, timeout, isolate=isolate)
        result.student = "__".join(path.relative_to(submissions).with_suffix("").parts)  # unique in subfolders
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, paths))
    for sub in ("feedback", "logs"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for r in results:
        (out / "feedback" / f"{r.student}.txt").write_text(feedback_text(r), encoding="utf-8")
        (out / "logs" / f"{r.student}.log").write_text(r.log, encoding="utf-8")
    groups: dict[str | None, list[Result]] = {}
    for r in results:
        groups.setdefault(r.bundle.name if r.bundle else None, []).append(r)
    for name, group in groups.items():
        questions = list(group[0].bundle.questions) if group[0].bundle else []
        _write_csv(out / ("grades.csv" if len(groups) == 1 else f"grades-{name or 'unknown'}.csv"), group, questions)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; prints where the results are and the time per submission."""
    parser = argparse.ArgumentParser(prog="python -m convlib.course.grading", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=pathlib.Path, help="folder of submitted .ipynb files")
    parser.add_argument("--autograder", type=pathlib.Path, default=pathlib.Path("dist/homework/autograder"),
                        help="a bundle .zip or a folder of them (default: dist/homework/autograder)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("grades"))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook (default 120)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    parser.add_argument("--no-isolation", action="store_true", help="do not use namespaces (debugging)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    results = grade_folder(args.submissions, args.autograder, args.out, timeout=args.timeout, jobs=args.jobs,
                           isolate=not args.no_isolation)
    wall = time.monotonic() - start
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "timeout", "error")}
    slowest = max((r.seconds for r in results), default=0.0)
    print(f"graded {len(results)} submissions in {wall:.1f} s with {args.jobs} jobs: "
          f"{wall / max(len(results), 1):.2f} s per submission (slowest {slowest:.1f} s); "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"results: {args.out}/grades*.csv, feedback in {args.out}/feedback/, logs in {args.out}/logs/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
