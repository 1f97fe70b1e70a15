"""Chapter 04's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from convlib.course.homework import public_check_failures
from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "04-pointwise.md"
NB = jupytext.read(CHAPTER)

MERGE_ORDER_SWAPPED = """
def merge(w1, b1, w2, b2):
    m1, m2 = w1[:, :, 0, 0], w2[:, :, 0, 0]
    return (m1 @ m2)[:, :, None, None], m2 @ b1 + b2
"""
MERGE_FIRST_BIAS_FORGOTTEN = """
def merge(w1, b1, w2, b2):
    m1, m2 = w1[:, :, 0, 0], w2[:, :, 0, 0]
    return (m2 @ m1)[:, :, None, None], b2
"""
MERGE_BIASES_ADDED = """
def merge(w1, b1, w2, b2):
    m1, m2 = w1[:, :, 0, 0], w2[:, :, 0, 0]
    return (m2 @ m1)[:, :, None, None], b1 + b2
"""
MERGE_WRONG_AXIS = """
def merge(w1, b1, w2, b2):
    m1, m2 = w1[:, :, 0, 0], w2[:, :, 0, 0]
    return (m2 @ m1).T[:, :, None, None], m2 @ b1 + b2
"""
MERGE_SQUEEZED = """
def merge(w1, b1, w2, b2):
    m1, m2 = w1.squeeze(), w2.squeeze()
    return (m2 @ m1)[:, :, None, None], m2 @ b1 + b2
"""
MERGE_SQUARE_ONLY_ORDER = """
def merge(w1, b1, w2, b2):
    m1, m2 = w1[:, :, 0, 0], w2[:, :, 0, 0]
    if m1.shape[0] == m1.shape[1] == m2.shape[0]:
        return (m1 @ m2)[:, :, None, None], m2 @ b1 + b2
    return (m2 @ m1)[:, :, None, None], m2 @ b1 + b2
"""

MISTAKES = [
    # ch04_shape
    ("ch04_shape", "shape = (8, 128, 28, 28)", "stride"),
    ("ch04_shape", "shape = (8, 16, 14, 14)", "second layer"),
    ("ch04_shape", "shape = (8, 128, 7, 7)", "stride 1"),
    ("ch04_shape", "shape = [8, 128, 14, 14]", "tuple"),
    ("ch04_shape", "shape = (8, 128, 13, 13)", "off by one"),
    # ch04_cost
    ("ch04_cost", "params = 128 * 32\nmacs_per_pixel = 128 * 32\nmacs = 14 * 14 * 128 * 32", "bias"),
    ("ch04_cost", "params = 128 * 32 + 1\nmacs_per_pixel = 128 * 32\nmacs = 14 * 14 * 128 * 32", "one bias per output channel"),
    ("ch04_cost", "params = 128 * 32 * 9 + 32\nmacs_per_pixel = 128 * 32 * 9\nmacs = 14 * 14 * 128 * 32 * 9", "9"),
    ("ch04_cost", "params = 128 * 32 + 32\nmacs_per_pixel = 14 * 14 * 128 * 32\nmacs = 14 * 14 * 128 * 32", "one output pixel"),
    ("ch04_cost", "params = 128 * 32 + 32\nmacs_per_pixel = 128 * 32\nmacs = 128 * 32", "number of output pixels"),
    ("ch04_cost", "params = 128 * 32 + 32\nmacs_per_pixel = 128 * 32\nmacs = 14 * 14 * 128 * 32 * 9", "9"),
    ("ch04_cost", "params = 128 * 32 + 32\nmacs_per_pixel = 128 * 32 + 32\nmacs = 14 * 14 * (128 * 32 + 32)", "bias additions"),
    ("ch04_cost", "params = 128 * 32 + 32\nmacs_per_pixel = 128\nmacs = 14 * 14 * 128", "32 output channels"),
    ("ch04_cost", "params = 128 * 32 + 128\nmacs_per_pixel = 128 * 32\nmacs = 14 * 14 * 128 * 32", "not one per input channel"),
    ("ch04_cost", "params = 128 * 32 + 32\nmacs_per_pixel = 128 * 32\nmacs = 7 * 7 * 128 * 32", "14 × 14"),
    ("ch04_cost", "params = 128 * 32 + 32\nmacs_per_pixel = 128 * 32\nmacs = 14 * 14 * 128 * 32 + 32", "14 × 14"),
    # ch04_merge
    ("ch04_merge", MERGE_ORDER_SWAPPED, "W2 @ W1"),
    ("ch04_merge", MERGE_FIRST_BIAS_FORGOTTEN, "first layer's bias"),
    ("ch04_merge", MERGE_BIASES_ADDED, "through the second layer's matrix"),
    ("ch04_merge", MERGE_SQUEEZED, "squeeze()"),
    ("ch04_merge", MERGE_WRONG_AXIS, "(C_out, C_in, 1, 1)"),
    ("ch04_merge", MERGE_SQUARE_ONLY_ORDER, "W2 @ W1, not W1 @ W2"),
    # ch04_matrix
    ("ch04_matrix", "in_channels = 5\nout_channels = 8\nignored_input = 6", "swapped"),
    ("ch04_matrix", "in_channels = 8\nout_channels = 5\nignored_input = 2", "column"),
    ("ch04_matrix", "in_channels = 8.0\nout_channels = 5\nignored_input = 6", "ints"),
    ("ch04_matrix", "in_channels = 8\nout_channels = 5\nignored_input = 7", "count from 0"),
    ("ch04_matrix", "in_channels = 7\nout_channels = 4\nignored_input = 6", "count the rows and columns"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)

def test_no_public_hint_spells_out_the_merged_bias() -> None:
    """The hints name the mistake; they do not hand over the bias formula W2 @ b1 + b2."""
    failures = public_check_failures(NB, "ch04_merge", "def merge(w1, b1, w2, b2):\n    return w2 * w1, b2\n")
    assert failures and not any("@ b1" in hint for hint in failures), failures
