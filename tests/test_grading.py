"""Grading a folder of submissions: exact scores, one row each, and no submission harms another."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import os
import pathlib
import subprocess
import sys
import time

import nbformat
import pytest

from convlib.course.editions import make_editions
from convlib.course.grading import Bundle, Result, grade_folder, grade_submission, sandbox_available

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "homework"
DEMO = FIXTURES / "99-demo.md"
TIMEOUT = 60.0  # seconds per notebook; a correct demo notebook needs about 5 s of CPU
_spec = importlib.util.spec_from_file_location("homework_planted", FIXTURES / "planted.py")
planted = sys.modules["homework_planted"] = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(planted)  # type: ignore[union-attr]

pytestmark = pytest.mark.slow
# The tests of the shared ``graded`` run go to one pytest-xdist worker, so that run (~170 s) happens once.
GRADED = pytest.mark.xdist_group("graded")


def digest(folder: pathlib.Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    (ed,) = make_editions([DEMO], tmp_path_factory.mktemp("dist"))
    return ed


@pytest.fixture(scope="module")
def graded(edition, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("grading")
    canary = base / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("a file beside the grading that no submission may touch")
    subs, out = base / "submissions", base / "grades"
    plants = planted.planted(canary, subs, out, sandboxed=sandbox_available())
    planted.write(edition.student, subs, plants)
    before = {"canary": digest(canary), "submissions": digest(subs), "bundle": digest(edition.autograder.parent)}
    start = time.monotonic()
    results = grade_folder(subs, edition.autograder, out, timeout=TIMEOUT, jobs=2)
    wall = time.monotonic() - start
    return {"plants": plants, "results": {r.student: r for r in results}, "rows": read_csv(out / "grades.csv"),
            "out": out, "before": before, "dirs": {"canary": canary, "submissions": subs,
                                                   "bundle": edition.autograder.parent}, "wall": wall}


@GRADED
def test_every_submission_gets_exactly_one_row(graded) -> None:  # type: ignore[no-untyped-def]
    students = [row["student"] for row in graded["rows"]]
    assert sorted(students) == sorted(graded["plants"]), students


@GRADED
def test_csv_has_one_column_per_question_then_total_and_status(graded) -> None:  # type: ignore[no-untyped-def]
    assert list(graded["rows"][0]) == ["student", *planted.QUESTIONS, "total", "status"]


@GRADED
def test_scores_and_status_equal_the_planted_expectations_exactly(graded) -> None:  # type: ignore[no-untyped-def]
    got = {row["student"]: ({q: float(row[q]) for q in planted.QUESTIONS}, float(row["total"]), row["status"])
           for row in graded["rows"]}
    want = {name: (dict(p.expected), float(sum(p.expected.values())), p.status)
            for name, p in graded["plants"].items()}
    assert got == want


@GRADED
def test_a_submission_whose_answers_are_all_wrong_scores_zero(graded) -> None:  # type: ignore[no-untyped-def]
    result = graded["results"]["all_wrong"]
    assert result.status == "ok" and result.total == 0, (result.scores, result.report.get("errors"))
    # the same mistakes pass the public checks that can't tell them apart, so no public check earns a point
    assert graded["results"]["correct"].total == sum(planted.FULL.values())


def test_public_checks_are_worth_no_points_and_hidden_tests_share_the_question(edition) -> None:  # type: ignore[no-untyped-def]
    import tempfile
    import zipfile

    from otter.nbmeta_config import NBMetadataConfig
    from otter.test_files import create_test_file

    with zipfile.ZipFile(edition.autograder) as z, tempfile.TemporaryDirectory() as tmp:
        z.extractall(tmp)
        files = sorted(pathlib.Path(tmp, "tests").glob("*.py"))
        assert files, "the bundle has no tests"
        for path in files:
            test = create_test_file(str(path), NBMetadataConfig())
            cases = test.test_cases
            public = [c for c in cases if not c.hidden]
            hidden = [c for c in cases if c.hidden]
            assert hidden and all(c.points == 0 for c in public), (path.name, [(c.hidden, c.points) for c in cases])
            assert sum(c.points for c in hidden) == planted.FULL[path.stem], path.name


@GRADED
def test_a_submission_that_deletes_files_harms_no_file_outside_its_sandbox(graded) -> None:  # type: ignore[no-untyped-def]
    if not sandbox_available():
        pytest.skip("user namespaces are unavailable here: grading falls back to a plain subprocess")
    for name, folder in graded["dirs"].items():
        assert digest(folder) == graded["before"][name], f"the {name} folder changed during grading"


@GRADED
def test_each_student_gets_feedback_with_hints_and_no_hidden_test_text(graded) -> None:  # type: ignore[no-untyped-def]
    folder = graded["out"] / "feedback"
    assert sorted(p.stem for p in folder.glob("*.txt")) == sorted(graded["plants"])
    partly = (folder / "partly_right.txt").read_text()
    assert "ch99_shape: 0 / 1" in partly and "ch99_cost: 0 / 1" in partly
    assert "your output has shape (1, 8, 3, 3); with stride 2 it should be (1, 8, 2, 2)" in partly
    assert "✗ hidden test 1 failed" in partly
    for text in (p.read_text() for p in folder.glob("*.txt")):
        assert "int(torch.ones(3, 3).sum())" not in text and "stride=2).shape" not in text and "conv1d(a[None" not in text
    assert "ZeroDivisionError" in (folder / "raises.txt").read_text()
    assert "were interrupted" in (folder / "loops_forever.txt").read_text()


@GRADED
def test_time_limit_holds_for_each_notebook(graded) -> None:  # type: ignore[no-untyped-def]
    grace = min(30.0, max(10.0, TIMEOUT / 4))
    for name, result in graded["results"].items():
        assert result.seconds < TIMEOUT + grace + 10, f"{name} ran {result.seconds:.0f} s"
    assert graded["results"]["loops_stubbornly"].seconds >= TIMEOUT, "a notebook gets its whole time"


@GRADED
def test_megabytes_of_output_are_capped_in_memory_and_in_the_log(graded) -> None:  # type: ignore[no-untyped-def]
    log = (graded["out"] / "logs" / "prints_megabytes.log").read_bytes()
    assert len(log) < 600_000 and b"bytes of output dropped" in log
    assert "printed too much" in (graded["out"] / "feedback" / "prints_megabytes.txt").read_text()


def test_grading_without_namespaces_still_gives_exact_scores(edition, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    plants = {k: v for k, v in planted.planted(tmp_path, tmp_path, tmp_path).items() if k in ("correct", "raises")}
    planted.write(edition.student, tmp_path / "subs", plants)
    bundle = Bundle.load(edition.autograder)
    for name, plant in plants.items():
        result: Result = grade_submission(tmp_path / "subs" / f"{name}.ipynb", bundle, TIMEOUT, isolate=False)
        assert (result.scores, result.status) == ({q: float(v) for q, v in plant.expected.items()}, plant.status)
        assert result.isolation.startswith("none")


def test_grading_arguments_are_checked(edition, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        grade_folder(tmp_path, edition.autograder, tmp_path / "out", jobs=0)
    with pytest.raises(ValueError, match="submissions must be a folder"):
        grade_folder(tmp_path / "missing", edition.autograder, tmp_path / "out")
    with pytest.raises(ValueError, match="autograder must be a bundle"):
        grade_folder(tmp_path, tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="timeout must be a positive"):
        grade_submission(tmp_path / "x.ipynb", Bundle.load(edition.autograder), 0)


def test_thirty_submissions_grade_on_two_cores_within_their_time_limits(edition, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    kinds = [("correct", planted.CORRECT, 5.0), ("blank", {}, 0.0),
             ("partly", {**planted.CORRECT, "ch99_cost": "macs = 100"}, 4.0)]
    student = nbformat.read(edition.student, as_version=4)
    subs = tmp_path / "subs"
    subs.mkdir()
    expected = {}
    for i in range(30):
        kind, answers, total = kinds[i % len(kinds)]
        nbformat.write(planted.fill(student, answers), subs / f"s{i:02d}_{kind}.ipynb")
        expected[f"s{i:02d}_{kind}"] = total
    cpus = sorted(os.sched_getaffinity(0))[:2]
    cmd = [sys.executable, "-m", "convlib.course.grading", str(subs), "--autograder", str(edition.autograder),
           "--out", str(tmp_path / "out"), "--timeout", str(int(TIMEOUT)), "--jobs", "2"]
    start = time.monotonic()
    run = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=lambda: os.sched_setaffinity(0, cpus))
    wall = time.monotonic() - start
    assert run.returncode == 0, run.stderr[-2000:]
    rows = read_csv(tmp_path / "out" / "grades.csv")
    assert {r["student"]: (float(r["total"]), r["status"]) for r in rows} == {k: (v, "ok") for k, v in expected.items()}
    print(f"\n30 submissions on {len(cpus)} cores with 2 jobs: {wall:.1f} s, {wall / 30:.2f} s per submission; "
          + run.stdout.splitlines()[0])


def test_every_chapter_solution_runs_without_an_error_and_passes_every_check_through_the_grader(tmp_path: pathlib.Path) -> None:
    """Each chapter's solutions notebook, graded as a submission: no cell raises, every public and hidden
    check passes, full marks. (This is the run of every chapter with its solutions that `make test` keeps;
    `tests/test_chapters.py`'s own run, marked ``author``, is for one chapter at a time.)"""
    chapters = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
    editions = make_editions(chapters, tmp_path / "dist")
    subs = tmp_path / "subs"
    subs.mkdir()
    for ed in editions:  # the solutions notebook carries the chapter's metadata, as a submission does
        (subs / f"{ed.chapter}.ipynb").write_bytes(ed.solutions.read_bytes())
    results = grade_folder(subs, tmp_path / "dist" / "autograder", tmp_path / "out", timeout=300, jobs=2)
    assert sorted(r.student for r in results) == sorted(ed.chapter for ed in editions)
    for r in results:
        possible = sum(r.bundle.questions.values()) if r.bundle else -1
        assert r.report.get("errors") == [], (r.student, r.report.get("errors"))
        failed = [(q, c) for q, found in r.report.get("questions", {}).items() for c in found["cases"] if not c["passed"]]
        assert failed == [], (r.student, failed)
        assert (r.total, r.status) == (possible, "ok"), (r.student, r.scores, r.report.get("errors"))
