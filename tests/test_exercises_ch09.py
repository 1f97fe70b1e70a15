"""Chapter 09's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "09-depthwise.md"
NB = jupytext.read(CHAPTER)

SHIFT_ADD_NO_PADDING = """
def depthwise_shift_add(x, weight, padding=0):
    k = weight.shape[-1]
    h_out, w_out = x.shape[2] - k + 1, x.shape[3] - k + 1
    y = x.new_zeros(x.shape[0], x.shape[1], h_out, w_out)
    for u in range(k):
        for v in range(k):
            y += weight[:, 0, u, v].view(1, -1, 1, 1) * x[:, :, u:u + h_out, v:v + w_out]
    return y
"""
SHIFT_ADD_MIXES_CHANNELS = """
def depthwise_shift_add(x, weight, padding=0):
    k = weight.shape[-1]
    x = F.pad(x, (padding,) * 4)
    h_out, w_out = x.shape[2] - k + 1, x.shape[3] - k + 1
    y = x.new_zeros(x.shape[0], x.shape[1], h_out, w_out)
    for u in range(k):
        for v in range(k):
            block = weight[:, 0, u, v].view(1, -1, 1, 1) * x[:, :, u:u + h_out, v:v + w_out]
            y += block.sum(1, keepdim=True)
    return y
"""
SHIFT_ADD_FLIPPED = """
def depthwise_shift_add(x, weight, padding=0):
    k = weight.shape[-1]
    x = F.pad(x, (padding,) * 4)
    h_out, w_out = x.shape[2] - k + 1, x.shape[3] - k + 1
    y = x.new_zeros(x.shape[0], x.shape[1], h_out, w_out)
    for u in range(k):
        for v in range(k):
            y += weight[:, 0, k - 1 - u, k - 1 - v].view(1, -1, 1, 1) * x[:, :, u:u + h_out, v:v + w_out]
    return y
"""
SHIFT_ADD_TRANSPOSED = """
def depthwise_shift_add(x, weight, padding=0):
    k = weight.shape[-1]
    x = F.pad(x, (padding,) * 4)
    h_out, w_out = x.shape[2] - k + 1, x.shape[3] - k + 1
    y = x.new_zeros(x.shape[0], x.shape[1], h_out, w_out)
    for u in range(k):
        for v in range(k):
            y += weight[:, 0, v, u].view(1, -1, 1, 1) * x[:, :, u:u + h_out, v:v + w_out]
    return y
"""

SHIFT_ADD_ONE_AXIS_FLIPPED = SHIFT_ADD_TRANSPOSED.replace("weight[:, 0, v, u]", "weight[:, 0, u, k - 1 - v]")
SHIFT_ADD_BOTTOM_RIGHT_PADDING = SHIFT_ADD_TRANSPOSED.replace("(padding,) * 4", "(0, 2 * padding, 0, 2 * padding)").replace(
    "weight[:, 0, v, u]", "weight[:, 0, u, v]")
SHIFT_ADD_ONE_SIDE_PADDING = SHIFT_ADD_BOTTOM_RIGHT_PADDING.replace("(0, 2 * padding, 0, 2 * padding)", "(0, padding, 0, padding)")
SHIFT_ADD_RANGE_K_MINUS_1 = SHIFT_ADD_TRANSPOSED.replace("range(k)", "range(k - 1)").replace("weight[:, 0, v, u]", "weight[:, 0, u, v]")
SHIFT_ADD_CHANNEL_0_FILTER = SHIFT_ADD_TRANSPOSED.replace("weight[:, 0, v, u].view(1, -1, 1, 1)", "weight[0, 0, u, v]")
SHIFT_ADD_OVERWRITES = SHIFT_ADD_TRANSPOSED.replace("y += weight[:, 0, v, u]", "y = weight[:, 0, u, v]")
SHIFT_ADD_CORRECT = SHIFT_ADD_TRANSPOSED.replace("weight[:, 0, v, u]", "weight[:, 0, u, v]")
SHIFT_ADD_PADS_WIDTH_ONLY = SHIFT_ADD_CORRECT.replace("(padding,) * 4", "(padding, padding)")
SHIFT_ADD_SIZE_BEFORE_PADDING = SHIFT_ADD_CORRECT.replace(
    "    x = F.pad(x, (padding,) * 4)\n    h_out, w_out = x.shape[2] - k + 1, x.shape[3] - k + 1\n",
    "    h_out, w_out = x.shape[2] - k + 1, x.shape[3] - k + 1\n    x = F.pad(x, (padding,) * 4)\n")
SHIFT_ADD_DROPS_PLUS_ONE = SHIFT_ADD_CORRECT.replace("x.shape[2] - k + 1, x.shape[3] - k + 1", "x.shape[2] - k, x.shape[3] - k")
SHIFT_ADD_HARD_CODED_K3 = SHIFT_ADD_CORRECT.replace("k = weight.shape[-1]", "k = 3")
assert len({SHIFT_ADD_CORRECT, SHIFT_ADD_PADS_WIDTH_ONLY, SHIFT_ADD_SIZE_BEFORE_PADDING, SHIFT_ADD_DROPS_PLUS_ONE,
            SHIFT_ADD_HARD_CODED_K3}) == 5
assert SHIFT_ADD_CHANNEL_0_FILTER != SHIFT_ADD_TRANSPOSED != SHIFT_ADD_OVERWRITES
assert len({SHIFT_ADD_TRANSPOSED, SHIFT_ADD_ONE_AXIS_FLIPPED, SHIFT_ADD_BOTTOM_RIGHT_PADDING, SHIFT_ADD_ONE_SIDE_PADDING,
            SHIFT_ADD_RANGE_K_MINUS_1}) == 5 and SHIFT_ADD_RANGE_K_MINUS_1.count("range(k - 1)") == 2

MISTAKES = [
    # ch09_shapes
    ("ch09_shapes", "weight_shape = (72, 24, 3, 3)\nout_shape = (8, 72, 28, 28)", "standard convolution"),
    ("ch09_shapes", "weight_shape = (24, 1, 3, 3)\nout_shape = (8, 24, 28, 28)", "channel multiplier"),
    ("ch09_shapes", "weight_shape = (72, 1, 3, 3)\nout_shape = (8, 72, 56, 56)", "stride"),
    ("ch09_shapes", "weight_shape = (72, 1, 3, 3)\nout_shape = (8, 72, 27, 27)", "padding"),
    ("ch09_shapes", "weight_shape = (72, 1, 3, 3)\nout_shape = (8, 72, 29, 29)", "rounded"),
    ("ch09_shapes", "weight_shape = (72, 3, 3, 3)\nout_shape = (8, 72, 28, 28)", "not the channel multiplier"),
    ("ch09_shapes", "weight_shape = (1, 72, 3, 3)\nout_shape = (8, 72, 28, 28)", "comes first"),
    ("ch09_shapes", "weight_shape = (72, 1, 3, 3)\nout_shape = (8, 28, 28, 72)", "not last"),
    ("ch09_shapes", "weight_shape = [72, 1, 3, 3]\nout_shape = (8, 72, 28, 28)", "tuple"),
    ("ch09_shapes", "weight_shape = (72, 72, 3, 3)\nout_shape = (8, 72, 28, 28)", "not C_out"),
    ("ch09_shapes", "weight_shape = (72, 1, 3, 3)\nout_shape = (1, 72, 28, 28)", "batch dimension"),
    # ch09_cost
    ("ch09_cost", "params = 32 * 64 * 25 + 64\nmacs = 28 * 28 * 64 * 25", "standard convolution"),
    ("ch09_cost", "params = 32 * 25 + 32\nmacs = 28 * 28 * 64 * 25", "channel multiplier"),
    ("ch09_cost", "params = 64 * 25\nmacs = 28 * 28 * 64 * 25", "bias"),
    ("ch09_cost", "params = 64 * 25 + 32\nmacs = 28 * 28 * 64 * 25", "not per input channel"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 28 * 28 * 32 * 25", "channel multiplier"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 28 * 28 * 64 * 32 * 25", "standard convolution"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 24 * 24 * 64 * 25", "padding"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 28 * 28 * 64 * 25 + 28 * 28 * 64", "bias additions"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 2 * 28 * 28 * 64 * 25", "as two operations"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 27 * 27 * 64 * 25", "off by one"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 14 * 14 * 64 * 25", "stride is 1"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 26 * 26 * 64 * 25", "padding 1 as in the chapter's example"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 28 * 28 * 64 * 9", "K = 3 from the chapter's example"),
    ("ch09_cost", "params = 64 * 9 + 64\nmacs = 28 * 28 * 64 * 9", "K = 3 from the chapter's example"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 32 * 32 * 64 * 25", "padded input (32×32) as the output size"),
    ("ch09_cost", "params = 64 * 25 + 64\nmacs = 30 * 30 * 64 * 25", "output size used K = 3"),
    # ch09_shift_add
    ("ch09_shift_add", SHIFT_ADD_NO_PADDING, "forgot to pad"),
    ("ch09_shift_add", SHIFT_ADD_MIXES_CHANNELS, "mixed channels"),
    ("ch09_shift_add", SHIFT_ADD_FLIPPED, "flipped the kernel"),
    ("ch09_shift_add", SHIFT_ADD_TRANSPOSED, "transposed each filter"),
    ("ch09_shift_add", SHIFT_ADD_CHANNEL_0_FILTER, "channel 0's filter"),
    ("ch09_shift_add", SHIFT_ADD_OVERWRITES, "only the last tap"),
    ("ch09_shift_add", SHIFT_ADD_ONE_AXIS_FLIPPED, "one axis only"),
    ("ch09_shift_add", SHIFT_ADD_BOTTOM_RIGHT_PADDING, "only the bottom and the right"),
    ("ch09_shift_add", SHIFT_ADD_ONE_SIDE_PADDING, "padded one side only"),
    ("ch09_shift_add", SHIFT_ADD_RANGE_K_MINUS_1, "range(k - 1) stops one short"),
    ("ch09_shift_add", SHIFT_ADD_PADS_WIDTH_ONLY, "only the width was padded"),
    ("ch09_shift_add", SHIFT_ADD_SIZE_BEFORE_PADDING, "before padding"),
    ("ch09_shift_add", SHIFT_ADD_DROPS_PLUS_ONE, "drop the + 1"),
    ("ch09_shift_add", SHIFT_ADD_HARD_CODED_K3, "instead of assuming 3"),
    # ch09_intensity_figure
    # ch09_intensity_figure: the checks test the form and rule out the flat curves, never the letter itself
    ("ch09_intensity_figure", 'pointwise = "C"\nstandard = "B"\nreason = 1', "C is flat, so it is a depthwise layer"),
    ("ch09_intensity_figure", 'pointwise = "D"\nstandard = "A"\nreason = 1', "A is flat, so it is a depthwise layer"),
    ("ch09_intensity_figure", 'pointwise = "D"\nstandard = "D"\nreason = 1', "two different curves"),
    ("ch09_intensity_figure", 'pointwise = "d"\nstandard = "b"\nreason = 1', "capital letter"),
    ("ch09_intensity_figure", 'pointwise = "D"\nstandard = "B"\nreason = "1"', "an int from 1 to 4"),
    ("ch09_intensity_figure", 'pointwise = "D"\nstandard = "B"\nreason = 5', "an int from 1 to 4"),
]


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_the_figure_checks_do_not_give_the_letters_away():
    """Both ways of naming the two rising curves pass the public checks, with any statement: the hidden test decides."""
    from convlib.course.homework import public_check_failures
    for pointwise, standard in (("D", "B"), ("B", "D")):
        for reason in (1, 2, 3, 4):
            answer = f'pointwise = "{pointwise}"\nstandard = "{standard}"\nreason = {reason}'
            assert public_check_failures(NB, "ch09_intensity_figure", answer) == []
