"""Chapter 11's exercises: the solutions pass, and each usual mistake fails with a hint that names it."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from convlib.course.homework import public_check_failures

CHAPTER_PATH = pathlib.Path(__file__).parents[1] / "chapters" / "11-grouped.md"
NB = jupytext.read(CHAPTER_PATH)

QUESTIONS = ["ch11_weight_shape", "ch11_layer_cost", "ch11_grouped_conv", "ch11_read_matrix"]

_GOOD_CONV = '''
def my_grouped_conv2d(x, weight, bias=None, groups=1):
    c_in, c_out = x.shape[1], weight.shape[0]
    if c_in % groups or c_out % groups:
        raise ValueError("groups must divide the channels")
    xs, ws = x.chunk(groups, dim=1), weight.chunk(groups, dim=0)
    y = torch.cat([F.conv2d(a, b) for a, b in zip(xs, ws)], dim=1)
    return y if bias is None else y + bias.view(1, -1, 1, 1)
'''


def _conv(body: str) -> str:
    return "def my_grouped_conv2d(x, weight, bias=None, groups=1):\n" + body


PLANTED = {
    "ch11_weight_shape": [
        ("weight_shape = (48, 24, 3, 3)\nbias_shape = (48,)", "divide in_channels by groups"),
        ("weight_shape = (12, 6, 3, 3)\nbias_shape = (48,)", "one filter per output channel"),
        ("weight_shape = (48, 6, 3, 3)\nbias_shape = (12,)", "bias is not divided by groups"),
        ("weight_shape = (48, 6, 1, 1)\nbias_shape = (48,)", "kernel is still 3×3"),
        ("weight_shape = (24, 12, 3, 3)\nbias_shape = (48,)", "output channels first"),
        ("weight_shape = (48, 6, 3, 3)\nbias_shape = (24,)", "not per input channel"),
        ("weight_shape = (48, 12, 3, 3)\nbias_shape = (48,)", "inputs of one group"),
        ("weight_shape = (6, 48, 3, 3)\nbias_shape = (48,)", "output channels come first"),
        ("weight_shape = (48, 4, 3, 3)\nbias_shape = (48,)", "not the number of groups"),
    ],
    "ch11_layer_cost": [
        ("params = 256 * 128 * 9 + 256\nmacs = 28 * 28 * 256 * 16 * 9", "forgot to divide by groups"),
        ("params = 256 * 16 * 9 + 32\nmacs = 28 * 28 * 256 * 16 * 9", "bias is not divided by groups"),
        ("params = 256 * 16 * 9\nmacs = 28 * 28 * 256 * 16 * 9", "forgot the bias"),
        ("params = 32 * 16 * 9 + 256\nmacs = 28 * 28 * 256 * 16 * 9", "divided both channel counts"),
        ("params = 256 * 16 * 9 + 256\nmacs = 28 * 28 * 256 * 128 * 9", "forgot to divide the multiply-adds by groups"),
        ("params = 256 * 16 * 9 + 256\nmacs = 26 * 26 * 256 * 16 * 9", "padding=1 keeps the output 28×28"),
        ("params = 256 * 16 * 9 + 256\nmacs = 28 * 28 * (256 * 16 * 9 + 256)", "the bias adds, it does not multiply"),
        ("params = 256 * 16 * 9 + 256\nmacs = 2 * 28 * 28 * 256 * 16 * 9", "a multiply-add counts once"),
        ("params = 256 * 16 * 9 + 256\nmacs = 28 * 28 * 256 * 16", "factor k·k = 9"),
        ("params = 256 * 16 * 9 + 256\nmacs = 28 * 28 * 256 * 16 * 3", "factor k·k = 9"),
        ("params = 128 * 32 * 9 + 128\nmacs = 28 * 28 * 128 * 32 * 9", "swapped the channel counts"),
        ("params = 256 * 16 * 9 + 256\nmacs = 28 * 28 * 128 * 16 * 9", "multiply by C_out = 256"),
        ("params = 256 * 16 * 9 + 256\nmacs = 28 * 28 * 256 * 128 * 9 // 64", "divided by groups twice"),
    ],
    "ch11_grouped_conv": [
        (_GOOD_CONV.replace("zip(xs, ws)", "zip(xs[::-1], ws[::-1])"), "concatenate the groups in order"),
        (_GOOD_CONV.replace("xs, ws = x.chunk(groups, dim=1), weight.chunk(groups, dim=0)",
                            "xs = [x[:, j::groups] for j in range(groups)]\n    ws = weight.chunk(groups, dim=0)"),
         "consecutive channels"),
        (_GOOD_CONV.replace("return y if bias is None else y + bias.view(1, -1, 1, 1)", "return y"), "forgot to add the bias"),
        (_GOOD_CONV.replace('        raise ValueError("groups must divide the channels")', "        pass"), "raise ValueError"),
        (_GOOD_CONV.replace("weight.chunk(groups, dim=0)", "weight.chunk(groups, dim=1)"), "split x along dim 1"),
        (_conv("    return torch.cat([F.conv2d(a, weight) for a in x.chunk(groups, dim=1)], dim=1)\n"), "only its own filters"),
    ],
    "ch11_read_matrix": [
        ("groups = 3\nseen_by_5 = [6, 7, 8]", "count the blocks on the diagonal"),
        ("groups = 1\nseen_by_5 = list(range(12))", "white cells are zeros"),
        ("groups = 4\nseen_by_5 = [2, 3]", "you read column 5"),
        ("groups = 4\nseen_by_5 = [7, 8, 9]", "numbered from 0"),
        ("groups = 4\nseen_by_5 = [9, 10, 11]", "row 6"),
        ("groups = 2\nseen_by_5 = [6, 7, 8]", "not the height of one"),
        ("groups = 2\nseen_by_5 = [6, 7, 8, 9, 10, 11]", "not the height of one"),
        ("groups = 4\nseen_by_5 = [3, 4, 5]", "row 0 is the top row"),
        ("groups = 4\nseen_by_5 = [6, 7, 8, 9]", "your two answers disagree"),
        ("groups = 4\nseen_by_5 = [5, 6, 7]", "start at a multiple of in_channels/groups"),
    ],
}


@pytest.mark.parametrize("name", QUESTIONS)
def test_the_chapter_solution_passes_the_public_checks(name: str) -> None:
    assert public_check_failures(NB, name) == []


def test_every_question_has_at_least_two_planted_mistakes() -> None:
    assert set(PLANTED) == set(QUESTIONS)
    assert all(len(mistakes) >= 2 for mistakes in PLANTED.values())


@pytest.mark.parametrize(
    "name,answer,hint",
    [(name, answer, hint) for name, mistakes in PLANTED.items() for answer, hint in mistakes],
    ids=[f"{name}-{i}" for name, mistakes in PLANTED.items() for i in range(len(mistakes))],
)
def test_a_planted_mistake_fails_with_a_hint_that_names_it(name: str, answer: str, hint: str) -> None:
    failures = public_check_failures(NB, name, answer)
    assert failures, f"{name}: the public checks accept the wrong answer {answer!r}"
    assert hint in failures[0], f"{name}: first hint {failures[0]!r} does not name the mistake ({hint!r})"
