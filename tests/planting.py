"""The tests every chapter's exercises share: planted usual mistakes fail the public checks with a
hint that names them, the chapter's own solution passes, and each exercise plants at least two.

    test_a, test_b, test_c = planted_mistake_tests(NB, MISTAKES)   # in tests/test_exercises_chNN.py

``MISTAKES`` lists ``(question name, answer source, words the first failing hint must contain)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import nbformat
import pytest

from convlib.course.homework import public_check_failures, questions


def planted_mistake_tests(nb: nbformat.NotebookNode,
                          mistakes: Sequence[tuple[str, str, str]]) -> tuple[Callable[..., None], ...]:
    """The three shared tests for one chapter, for the test module to bind to ``test_*`` names."""
    names = questions(nb)

    @pytest.mark.parametrize("name, answer, hint", mistakes, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(mistakes)])
    def usual_mistake_fails_with_a_hint_naming_it(name: str, answer: str, hint: str) -> None:
        failures = public_check_failures(nb, name, answer)
        assert failures, f"{name}: the wrong answer {answer!r} passes the public checks"
        assert hint in failures[0], f"{name}: the first hint {failures[0]!r} does not name the mistake ({hint!r})"

    @pytest.mark.parametrize("name", names)
    def chapters_own_solution_passes_every_public_check(name: str) -> None:
        assert public_check_failures(nb, name) == []

    def every_exercise_has_at_least_two_planted_mistakes() -> None:
        assert len(names) >= 4, f"the chapter has {len(names)} exercises; the contract asks for 4"
        for name in names:
            assert sum(1 for n, _, _ in mistakes if n == name) >= 2, f"{name} plants fewer than two mistakes"

    return (usual_mistake_fails_with_a_hint_naming_it, chapters_own_solution_passes_every_public_check,
            every_exercise_has_at_least_two_planted_mistakes)


def assert_exercises_put_away(nb: nbformat.NotebookNode, names: Sequence[str]) -> None:
    """The chapter's Exercises open with a visible ``globals().pop`` cell that removes ``names`` (helpers that
    would answer an exercise in one call) before the first answer cell, and no later visible cell calls them."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    put_away = next((i for i, source in enumerate(sources) if "globals().pop" in source), None)
    first_answer = next(i for i, source in enumerate(sources) if "# SOLUTION" in source)
    assert put_away is not None, "no cell removes the one-call helpers before the exercises"
    assert put_away < first_answer, "the cell that removes the helpers comes after the first answer"
    missing = [name for name in names if f'"{name}"' not in sources[put_away]]
    assert not missing, f"the put-away cell leaves {missing} in scope"
    visible = [s for s in sources[first_answer:] if not s.lstrip().upper().startswith("# HIDDEN")]
    called = [name for name in names for s in visible if re.search(rf"(?<![\w.]){re.escape(name)}\(", s)]
    assert not called, f"a visible cell after the put-away cell still calls {sorted(set(called))}"
