"""Chapter 12's exercises: the solutions pass the public checks, and the usual mistakes fail with a hint naming them."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from convlib.course.homework import public_check_failures

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "12-shuffle.md"
NB = jupytext.read(CHAPTER)
QUESTIONS = ["ch12_shuffle_order", "ch12_unit_cost", "ch12_shuffle_weight", "ch12_reach_figure"]


@pytest.mark.parametrize("name", QUESTIONS)
def test_the_chapters_solution_passes_the_public_checks(name):
    assert public_check_failures(NB, name) == []


def _fails_naming(name: str, answer: str, words: str) -> None:
    failures = public_check_failures(NB, name, answer)
    assert failures, f"the planted mistake passed the public checks of {name}:\n{answer}"
    assert words in failures[0], f"the first hint does not name the mistake ({words!r}): {failures[0]}"


@pytest.mark.parametrize(("answer", "words"), [
    ("order = list(range(10))", "identity"),                                      # no shuffle at all
    ("order = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]", "(n, g)"),                         # reshaped to (n, g): the inverse
    ("order = [5, 0, 6, 1, 7, 2, 8, 3, 9, 4]", "first channel of the first group"),  # groups taken in the wrong order
    ("order = [0, 5, 1, 6, 2, 7, 3, 8, 4]", "10 ints"),                           # one channel short
])
def test_shuffle_order_mistakes_are_named(answer, words):
    _fails_naming("ch12_shuffle_order", answer, words)


CORRECT_RESNET = "resnet_macs = 33_320_000\n"
CORRECT_SHUFFLE = "shuffle_macs = 8_016_400\n"


@pytest.mark.parametrize(("answer", "words"), [
    ("shuffle_macs = 196 * (400 * 100 // 2 + 9 * 100)\n" + CORRECT_RESNET, "factor 2"),       # one 1×1 only
    ("shuffle_macs = 196 * (2 * 400 * 100 // 2 + 9 * 100 * 100)\n" + CORRECT_RESNET, "9m²"),  # depthwise as 9m²
    ("shuffle_macs = 196 * (2 * 400 * 100 + 9 * 100)\n" + CORRECT_RESNET, "divide"),          # forgot / g
    ("shuffle_macs = 2 * 400 * 100 // 2 + 9 * 100\n" + CORRECT_RESNET, "h·w"),                # per pixel only
    (CORRECT_SHUFFLE + "resnet_macs = 196 * (2 * 400 * 100 + 9 * 100)\n", "9m² per pixel"),   # full 3×3 as 9m
    (CORRECT_SHUFFLE + "resnet_macs = 196 * (400 * 100 + 9 * 100 * 100)\n", "factor 2"),      # one 1×1 only
    (CORRECT_SHUFFLE + "resnet_macs = 2 * 400 * 100 + 9 * 100 * 100\n", "h·w"),               # per pixel only
    ("shuffle_macs = 8016400.0\n" + CORRECT_RESNET, "ints"),                                  # a float
    ("shuffle_macs = 196 * (2 * 400 * 100 // 2 + 9 * 100 // 2)\n" + CORRECT_RESNET, "depthwise 3×3 by g"),  # 9m/g
    ("shuffle_macs = 784 * (2 * 400 * 100 // 2 + 9 * 100)\n"
     "resnet_macs = 784 * (2 * 400 * 100 + 9 * 100 * 100)\n", "wrong size"),                 # stage 2's 28×28
])
def test_unit_cost_mistakes_are_named(answer, words):
    _fails_naming("ch12_unit_cost", answer, words)


WEIGHT_WRONG = {
    "inverse permutation": """
def shuffle_weight(channels, groups):  # the transpose of the right matrix: row p holds its 1 where channel p lands
    order = torch.arange(channels).reshape(groups, channels // groups).T.flatten()
    return torch.eye(channels)[order].T.reshape(channels, channels, 1, 1)
""",
    "undoes the shuffle": """
def shuffle_weight(channels, groups):  # reshaped to (n, g) instead of (g, n): the same inverse, reached another way
    order = torch.arange(channels).reshape(channels // groups, groups).T.flatten()
    return torch.eye(channels)[order].reshape(channels, channels, 1, 1)
""",
    "4-D": """
def shuffle_weight(channels, groups):  # the (C, C) matrix without the 1×1 kernel axes
    order = torch.arange(channels).reshape(groups, channels // groups).T.flatten()
    return torch.eye(channels)[order]
""",
    "identity": """
def shuffle_weight(channels, groups):  # no shuffle at all
    return torch.eye(channels).reshape(channels, channels, 1, 1)
""",
    "float32": """
def shuffle_weight(channels, groups):  # built in NumPy's float64
    import numpy as np
    order = np.arange(channels).reshape(groups, channels // groups).T.flatten()
    return torch.from_numpy(np.eye(channels)[order].reshape(channels, channels, 1, 1))
""",
    "mixes none": """
def shuffle_weight(channels, groups):  # a grouped averaging, not a copy
    return torch.block_diag(*[torch.ones(channels // groups, channels // groups)] * groups).reshape(
        channels, channels, 1, 1) / (channels // groups)
""",
}


@pytest.mark.parametrize("words", sorted(WEIGHT_WRONG))
def test_shuffle_weight_mistakes_are_named(words):
    _fails_naming("ch12_shuffle_weight", WEIGHT_WRONG[words], words)


FIGURE_RIGHT = {"shuffled_panel": '"B"', "groups_in_a": "4", "seen_in_b": "16"}


def _figure_answer(**wrong: str) -> str:
    return "".join(f"{k} = {wrong.get(k, v)}\n" for k, v in FIGURE_RIGHT.items())


@pytest.mark.parametrize(("wrong", "words"), [
    ({"shuffled_panel": '"A"'}, "square blocks"),      # mistook the block-diagonal panel for the shuffled one
    ({"groups_in_a": "5"}, "channels per group"),      # counted the block size n instead of the number of blocks g
    ({"groups_in_a": "20"}, "number of channels"),     # gave C
    ({"seen_in_b": "20"}, "does not always reach"),    # assumed a shuffle always mixes everything
    ({"seen_in_b": "4"}, "groups one output reads"),   # counted groups, not channels
    ({"seen_in_b": "5"}, "panel A"),                   # read panel A's rows
])
def test_reach_figure_mistakes_are_named(wrong, words):
    _fails_naming("ch12_reach_figure", _figure_answer(**wrong), words)
