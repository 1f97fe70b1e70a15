"""Chapter 11's exercises: the solutions pass, and each usual mistake fails with a hint that names it."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from convlib.course.homework import public_check_failures

CHAPTER_PATH = pathlib.Path(__file__).parents[1] / "chapters" / "11-grouped.md"
NB = jupytext.read(CHAPTER_PATH)

QUESTIONS = ["ch11_weight_shape", "ch11_layer_cost", "ch11_grouped_conv", "ch11_read_matrix"]

_GOOD_DENSE = '''
def ungrouped_weight(weight, groups, in_channels):
    c_out, per_in = weight.shape[0], weight.shape[1]
    per_out = c_out // groups
    dense = torch.zeros(c_out, in_channels, *weight.shape[2:], dtype=weight.dtype)
    for i in range(groups):
        dense[i * per_out:(i + 1) * per_out, i * per_in:(i + 1) * per_in] = weight[i * per_out:(i + 1) * per_out]
    return dense
'''


def _dense(body: str) -> str:
    return "def ungrouped_weight(weight, groups, in_channels):\n" + body


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
        (_GOOD_DENSE.replace("= weight[i * per_out:(i + 1) * per_out]",
                             "= weight[(groups - 1 - i) * per_out:(groups - i) * per_out]"), "reverse order"),
        (_GOOD_DENSE.replace("per_out = c_out // groups", "per_out = per_in"), "not one block size for both"),
        (_GOOD_DENSE.replace("i * per_in:(i + 1) * per_in", "i * per_out:(i + 1) * per_out"),
         "different block size on each axis"),
        (_GOOD_DENSE.replace("torch.zeros", "torch.empty"), "torch.empty does not clear it"),
        (_GOOD_DENSE.replace("i * per_in:(i + 1) * per_in", "0:per_in"), "not along one axis only"),
        (_GOOD_DENSE.replace("return dense", "return dense.transpose(0, 1)"), "not (C_in, C_out, k, k)"),
        (_dense("    return torch.cat(weight.chunk(groups, dim=0), dim=1)\n"), "should be (C_out, C_in, k, k)"),
        (_dense("    return block_diagonal_weight(weight, groups).view(weight.shape[0], in_channels, *weight.shape[2:])\n"),
         "block_diagonal_weight is not allowed"),
        (_dense("    from convlib.grouped import block_diagonal_weight as bd\n"
                "    return bd(weight, groups).view(weight.shape[0], in_channels, *weight.shape[2:])\n"),
         "block_diagonal_weight is not allowed"),
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
