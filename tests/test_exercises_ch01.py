"""Chapter 01's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib
import re

import jupytext
import pytest

from convlib.course.homework import public_check_failures, question_cells
from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "01-convolution.md"
NB = jupytext.read(CHAPTER)

CONVOLVE_ONE_NUMBER_PADDING = """
def convolve2d(x, w):
    kh, kw = w.shape
    return F.conv2d(x[None, None], w.flip(0, 1)[None, None], padding=kh - 1)[0, 0]
"""
CORRELATE_FLIPPED = """
def correlate2d(x, w):
    kh, kw = w.shape
    w = w.flip(0, 1)
    out = torch.empty(x.shape[0] - kh + 1, x.shape[1] - kw + 1, dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i : i + kh, j : j + kw] * w).sum()
    return out
"""
CORRELATE_LOOP = """
def correlate2d(x, w):
    kh, kw = w.shape
    out = torch.zeros(x.shape[0] - kh + 1, x.shape[1] - kw + 1, dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i : i + kh, j : j + kw] * w).sum()
    return out
"""


def _loop_with(*edits: tuple[str, str]) -> str:
    """The correct loop with one slip written in: each edit must change the source."""
    source = CORRELATE_LOOP
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    return source


CORRELATE_LOOP_ONE_SHORT = _loop_with(("range(out.shape[0])", "range(out.shape[0] - 1)"),
                                      ("range(out.shape[1])", "range(out.shape[1] - 1)"))
CORRELATE_LOOP_ONE_SHORT_EMPTY = CORRELATE_LOOP_ONE_SHORT.replace("torch.zeros", "torch.empty")
CORRELATE_SHORT_WINDOW = _loop_with(("x[i : i + kh, j : j + kw]", "x[i : i + kh - 1, j : j + kw - 1]"))
CORRELATE_MEAN = _loop_with(("* w).sum()", "* w).mean()"))
CORRELATE_SHORT_ROWS = CORRELATE_SHORT_WINDOW.replace("j : j + kw - 1", "j : j + kw")
CORRELATE_OFF_BY_ONE = _loop_with(("x.shape[0] - kh + 1, x.shape[1] - kw + 1, dtype=x.dtype", "x.shape[0] - kh, x.shape[1] - kw"))
CORRELATE_CENTRED = _loop_with(("            out[i, j] = (x[i : i + kh, j : j + kw] * w).sum()",
                                "            for u in range(kh):\n                for v in range(kw):\n"
                                "                    out[i, j] += x[i + u - kh // 2, j + v - kw // 2] * w[u, v]"))
CORRELATE_CENTRED_SLICE = _loop_with(("x[i : i + kh, j : j + kw]", "x[i - 1 : i + kh - 1, j - 1 : j + kw - 1]"))
CORRELATE_SQUARE_ONLY = """
def correlate2d(x, w):
    k = w.shape[0]
    out = torch.zeros(x.shape[0] - k + 1, x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i : i + k, j : j + k] * w).sum()
    return out
"""
CORRELATE_FLOAT32_OUTPUT = """
def correlate2d(x, w):
    kh, kw = w.shape
    out = torch.zeros(x.shape[0] - kh + 1, x.shape[1] - kw + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i : i + kh, j : j + kw] * w).sum()
    return out
"""
CONVOLVE_HALF_PADDING = """
def convolve2d(x, w):
    kh, kw = w.shape
    return F.conv2d(x[None, None], w.flip(0, 1)[None, None], padding=(kh // 2, kw // 2))[0, 0]
"""
CORRELATE_BUILTIN = """
def correlate2d(x, w):
    return F.conv2d(x[None, None], w[None, None])[0, 0]
"""
CORRELATE_SCIPY = """
def correlate2d(x, w):
    return torch.as_tensor(scipy.signal.correlate2d(x, w, mode="valid"))
"""
CORRELATE_SCIPY_IMPORTED = """
def correlate2d(x, w):
    from scipy.signal import correlate2d as scipy_correlate2d
    return torch.as_tensor(scipy_correlate2d(x.numpy(), w.numpy(), mode="valid"))
"""
CORRELATE_CHAPTERS_LOOPS = """
def conv2d_loops(x, weight, bias=None):  # stands in for the chapter's function, defined earlier in the notebook
    return F.conv2d(x, weight, bias)

def correlate2d(x, w):
    return conv2d_loops(x[None, None], w[None, None])[0, 0]
"""
CORRELATE_MATMUL = """
def correlate2d(x, w):
    kh, kw = w.shape
    out = torch.empty(x.shape[0] - kh + 1, x.shape[1] - kw + 1, dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i : i + kh, j : j + kw] @ w).sum()
    return out
"""
CONVOLVE_F_PAD_ROWS_FIRST = """
def convolve2d(x, w):
    kh, kw = w.shape
    padded = F.pad(x, (kh - 1, kh - 1, kw - 1, kw - 1))   # thinking F.pad takes rows first
    return F.conv2d(padded[None, None], w.flip(0, 1)[None, None])[0, 0]
"""
FULL = "padding=(w.shape[0] - 1, w.shape[1] - 1)"
CONVOLVE_ONE_AXIS = f"""
def convolve2d(x, w):
    return F.conv2d(x[None, None], w.flip(1)[None, None], {FULL})[0, 0]
"""
CONVOLVE_OTHER_AXIS = f"""
def convolve2d(x, w):
    return F.conv2d(x[None, None], w.flip(0)[None, None], {FULL})[0, 0]
"""
CONVOLVE_NO_FLIP = f"""
def convolve2d(x, w):
    return F.conv2d(x[None, None], w[None, None], {FULL})[0, 0]
"""
CONVOLVE_NEGATED = f"""
def convolve2d(x, w):
    return -F.conv2d(x[None, None], w[None, None], {FULL})[0, 0]
"""
CONVOLVE_VALID = """
def convolve2d(x, w):
    return F.conv2d(x[None, None], w.flip(0, 1)[None, None])[0, 0]
"""
CONVOLVE_SAME = """
def convolve2d(x, w):
    return F.conv2d(x[None, None], w.flip(0, 1)[None, None], padding="same")[0, 0]
"""
CONVOLVE_PADDING_SWAPPED = """
def convolve2d(x, w):
    return F.conv2d(x[None, None], w.flip(0, 1)[None, None], padding=(w.shape[1] - 1, w.shape[0] - 1))[0, 0]
"""
CONVOLVE_TRANSPOSED = """
def convolve2d(x, w):
    kh, kw = w.shape
    return F.conv2d(x[None, None], w.T[None, None], padding=(kh - 1, kw - 1))[0, 0]
"""
CORRELATE_TRANSPOSED_CONV = """
def correlate2d(x, w):
    kh, kw = w.shape
    full = F.conv_transpose2d(x[None, None], w.flip(0, 1)[None, None])[0, 0]   # (H + kh - 1, W + kw - 1)
    return full[kh - 1 : x.shape[0], kw - 1 : x.shape[1]]
"""
CONVOLVE_NO_BATCH_AXES = """
def convolve2d(x, w):
    kh, kw = w.shape
    return F.conv2d(x, w.flip(0, 1)[None, None], padding=(kh - 1, kw - 1))
"""
CONVOLVE_SCIPY = """
def convolve2d(x, w):
    return torch.as_tensor(scipy.signal.convolve2d(x, w))
"""
CONVOLVE_SCIPY_DETACHED = """
def convolve2d(x, w):
    return torch.as_tensor(scipy.signal.convolve2d(x.detach().numpy(), w.numpy()))
"""

MISTAKES = [
    ("ch01_output_shape", "shape = (4, 16, 32, 32)", "no padding"),
    ("ch01_output_shape", "shape = (4, 16, 27, 27)", "off by one"),
    ("ch01_output_shape", "shape = (4, 16, 29, 29)", "one too many"),
    ("ch01_output_shape", "shape = (4, 16, 26, 26)", "subtracted 1 where the formula adds it"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 28 * 64 * 32 * 9", "output's size once"),
    ("ch01_correlate2d", CORRELATE_CENTRED_SLICE, "not its centre"),
    ("ch01_which_kernel", 'kernels_answer = "DCEBA"', "swapped identity and sharpen"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 32 * 32 * 64 * 32 * 9", "not the feature map's size"),
    ("ch01_output_shape", "shape = (4, 3, 28, 28)", "one channel per filter"),
    ("ch01_output_shape", "shape = [4, 16, 28, 28]", "tuple"),
    ("ch01_output_shape", "shape = (4, 16, 30, 30)", "k // 2"),
    ("ch01_output_shape", "shape = (4, 16, 24, 24)", "each end"),
    ("ch01_output_shape", "shape = (4, 28, 28, 16)", "channels-last"),
    ("ch01_output_shape", "shape = (4, 48, 28, 28)", "not one per (filter, input channel) pair"),
    ("ch01_output_shape", "shape = (4, 16, 36, 36)", "full mode"),
    ("ch01_output_shape", "shape = (4, 1, 28, 28)", "more than one filter"),
    ("ch01_output_shape", "shape = (4, 5, 28, 28)", "kernel's size"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 3 + 1)\nmacs_answer = 28 * 28 * 64 * 32 * 9", "k² weights"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 28 * 28 * 64 * 32 * 3", "k² products"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 29 * 29 * 64 * 32 * 9", "one too many"),
    ("ch01_correlate2d", CORRELATE_TRANSPOSED_CONV, "called F.conv_transpose2d"),
    ("ch01_true_convolution", CONVOLVE_NO_BATCH_AXES, "4-D (N, C, H, W) tensors"),
    ("ch01_which_kernel", 'kernels_answer = "ECDAB"', "signed and drawn red-blue"),
    ("ch01_which_kernel", 'kernels_answer = "CEDBA"', "signed and drawn red-blue"),
    ("ch01_layer_cost", "params_answer = 64 * (3 * 3 + 1)\nmacs_answer = 28 * 28 * 64 * 32 * 9", "not k × k"),
    ("ch01_layer_cost", "params_answer = 64 * 3 * 3\nmacs_answer = 28 * 28 * 64 * 32 * 9", "not k × k"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 2 * 28 * 28 * 64 * 32 * 9", "FLOPs"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 28 * 28 * 32 * 9", "C_out"),
    ("ch01_layer_cost", "params_answer = 64 * 32 * 9\nmacs_answer = 28 * 28 * 64 * 32 * 9", "forgot the bias"),
    ("ch01_layer_cost", "params_answer = 64 * 32 * 9 + 1\nmacs_answer = 28 * 28 * 64 * 32 * 9", "one bias per filter"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 28 * 28 * 64 * 9", "32 input channels"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 28 * 28 * 64 * (32 * 9 + 1)", "bias is an addition"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 26 * 26 * 64 * 32 * 9", "padding=1"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 30 * 30 * 64 * 32 * 9", "padded input"),
    ("ch01_layer_cost", "params_answer = 64 * (32 * 9 + 1)\nmacs_answer = 27 * 27 * 64 * 32 * 9", "off by one"),
    ("ch01_layer_cost", "params_answer = 32 * 9 + 1\nmacs_answer = 28 * 28 * 64 * 32 * 9", "one filter"),
    ("ch01_layer_cost", "params_answer = 32 * 64 * 9 + 32\nmacs_answer = 28 * 28 * 64 * 32 * 9", "not one per input channel"),
    ("ch01_correlate2d", CORRELATE_FLIPPED, "flipped the kernel"),
    ("ch01_correlate2d", CORRELATE_OFF_BY_ONE, "left out the + 1"),
    ("ch01_correlate2d", CORRELATE_SQUARE_ONLY, "swapped"),
    ("ch01_correlate2d", CORRELATE_LOOP_ONE_SHORT, "your loop stops one short"),
    ("ch01_correlate2d", CORRELATE_LOOP_ONE_SHORT_EMPTY, "your loop stops one short"),
    ("ch01_correlate2d", CORRELATE_SHORT_WINDOW, "window is smaller than the kernel"),
    ("ch01_correlate2d", CORRELATE_SHORT_ROWS, "window is smaller than the kernel"),
    ("ch01_correlate2d", CORRELATE_CENTRED, "not its centre"),
    ("ch01_correlate2d", CORRELATE_BUILTIN, "called F.conv2d"),
    ("ch01_correlate2d", CORRELATE_SCIPY, "called scipy.signal.correlate2d"),
    ("ch01_correlate2d", CORRELATE_SCIPY_IMPORTED, "called scipy.signal.correlate2d"),
    ("ch01_correlate2d", CORRELATE_CHAPTERS_LOOPS, "called the chapter's conv2d_loops"),
    ("ch01_correlate2d", CORRELATE_MATMUL, "`@` is a matrix product"),
    ("ch01_correlate2d", CORRELATE_MEAN, "averaged the products"),
    ("ch01_correlate2d", CORRELATE_FLOAT32_OUTPUT, "dtype=x.dtype"),
    ("ch01_true_convolution", CONVOLVE_HALF_PADDING, "too small for full mode"),
    ("ch01_true_convolution", CONVOLVE_ONE_AXIS, "one axis only"),
    ("ch01_true_convolution", CONVOLVE_ONE_NUMBER_PADDING, "rows and columns need different padding"),
    ("ch01_true_convolution", CONVOLVE_OTHER_AXIS, "one axis only"),
    ("ch01_true_convolution", CONVOLVE_NO_FLIP, "cross-correlation"),
    ("ch01_true_convolution", CONVOLVE_NEGATED, "negating is not flipping"),
    ("ch01_true_convolution", CONVOLVE_VALID, "valid mode"),
    ("ch01_true_convolution", CONVOLVE_SAME, "'same' size"),
    ("ch01_true_convolution", CONVOLVE_PADDING_SWAPPED, "rows and columns swapped"),
    ("ch01_true_convolution", CONVOLVE_F_PAD_ROWS_FIRST, "F.pad and F.conv2d order them differently"),
    ("ch01_true_convolution", CONVOLVE_TRANSPOSED, "transpose"),
    ("ch01_true_convolution", CONVOLVE_SCIPY, "not SciPy"),
    ("ch01_true_convolution", CONVOLVE_SCIPY_DETACHED, "no gradient flows"),
    ("ch01_which_kernel", 'kernels_answer = "ABCDE"', "prompt's example"),
    ("ch01_which_kernel", 'kernels_answer = "ECABD"', "mixed up box blur and sharpen"),
    ("ch01_which_kernel", 'kernels_answer = "ACDBE"', "swapped identity and box blur"),   # the likeliest mistake: two soft grey panels
    ("ch01_which_kernel", 'kernels_answer = "EBDCA"', "swapped Sobel x and Sobel y"),     # the most likely mistake
    ("ch01_which_kernel", 'kernels_answer = "EBACD"', "swapped Sobel x and Sobel y"),     # both pairs swapped
    ("ch01_which_kernel", 'kernels_answer = "AABCE"', "exactly one panel"),
    ("ch01_which_kernel", 'kernels_answer = "CDBA"', "five letters"),
]

(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_output_shape_public_checks_do_not_pin_the_answer():
    """The ruling on public checks as oracles: sizes other than the named mistakes still pass publicly."""
    for size in (20, 25, 31):
        assert public_check_failures(NB, "ch01_output_shape", f"shape = (4, 16, {size}, {size})") == [], size


def test_layer_cost_public_checks_do_not_pin_the_answer():
    """Counts near the answer, beyond the named mistakes, still pass publicly (the hidden test rejects them)."""
    for params, macs in (("64 * (32 * 9 + 2)", "28 * 28 * 64 * 32 * 9"), ("64 * (32 * 9 + 1)", "28 * 28 * 64 * 32 * 8"),
                         ("64 * (32 * 9 + 1)", "25 * 25 * 64 * 32 * 9")):
        assert public_check_failures(NB, "ch01_layer_cost", f"params_answer = {params}\nmacs_answer = {macs}") == []


def test_which_kernel_public_checks_do_not_pin_the_answer():
    """Two wrong orders that move all three grey kernels still pass publicly; the hidden test rejects them."""
    (hidden,) = question_cells(NB, "ch01_which_kernel")["hidden"]
    for order in ("ACEBD", "DCABE"):
        assert public_check_failures(NB, "ch01_which_kernel", f"kernels_answer = {order!r}") == [], order
        with pytest.raises(AssertionError):
            exec(compile(hidden.source, "<hidden>", "exec"), {"kernels_answer": order})  # noqa: S102 - our own chapter source


def test_which_kernel_rejects_every_order_that_breaks_the_colour_rule():
    """Every order with a grey kernel (A, D, E) on a red-blue panel or a Sobel (B, C) on a grey one fails with a hint."""
    from itertools import permutations

    (check,) = question_cells(NB, "ch01_which_kernel")["public"]   # the check cell needs only hashlib
    code = compile(check.source, "<check>", "exec")
    broken = [o for o in map("".join, permutations("ABCDE")) if set(o[1::2]) != {"B", "C"}]
    assert len(broken) == 108
    for order in broken:
        with pytest.raises(AssertionError, match="red-blue") as failure:
            exec(code, {"kernels_answer": order})  # noqa: S102 - our own chapter source
        assert order != "ABCDE" or "prompt's example" in str(failure.value)


def test_which_kernel_names_the_sobel_swap_wherever_the_grey_kernels_sit():
    """Sobel x and y swapped fails publicly with the rims hint for every arrangement of the grey panels."""
    from itertools import permutations

    (check,) = question_cells(NB, "ch01_which_kernel")["public"]
    code = compile(check.source, "<check>", "exec")
    for grey in map("".join, permutations("ADE")):
        order = grey[0] + "B" + grey[1] + "C" + grey[2]
        with pytest.raises(AssertionError, match="top and bottom rims"):
            exec(code, {"kernels_answer": order})  # noqa: S102 - our own chapter source


def test_which_kernel_check_cell_spells_out_no_order_of_the_panels():
    """The check cell names each mistake in words; no order of the five letters but the prompt's example appears."""
    from itertools import permutations

    checks = "\n".join(c.source for c in question_cells(NB, "ch01_which_kernel")["public"])
    assert [o for o in map("".join, permutations("ABCDE")) if o in checks] == ["ABCDE"]


@pytest.mark.parametrize("name, values", [
    ("ch01_output_shape", ("28", "27", "29", "26", "24", "30", "36", "48")),
    ("ch01_layer_cost", ("18496", "18432", "14450688", "28901376", "13436928", "12460032", "16588800", "6208",
                         "4816896", "15501312", "18874368", "516096", "640", "576")),
])
def test_check_cells_hold_no_number_near_the_answer(name, values):
    """Known wrong values next to the answer live in the check cells only as salted hashes."""
    checks = "\n".join(c.source for c in question_cells(NB, name)["public"]).replace("_", "")
    for value in values:
        assert not re.search(rf"\b{value}\b", checks), value


def test_no_set_up_helper_answers_exercise_1_or_2_in_one_call():
    """conv_output_size and convlib.cost are not imported in the set-up cell."""
    setup = next(c.source for c in NB.cells if c.cell_type == "code")
    assert "conv_output_size" not in setup and "cost" not in setup


@pytest.mark.parametrize("answer", [CORRELATE_SCIPY, CORRELATE_BUILTIN, CORRELATE_CHAPTERS_LOOPS, CORRELATE_TRANSPOSED_CONV])
def test_correlate2d_hidden_tests_reject_a_built_in(answer):
    """The hidden tests swap the built-ins out as well: calling SciPy or F.conv2d fails there too."""
    setup = next(c.source for c in NB.cells if c.cell_type == "code")
    namespace: dict[str, object] = {"__name__": "__exercise__"}
    exec(compile(setup, "<set-up>", "exec"), namespace)  # noqa: S102 - our own chapter source
    exec(compile(answer, "<answer>", "exec"), namespace)  # noqa: S102
    (hidden,) = question_cells(NB, "ch01_correlate2d")["hidden"]
    with pytest.raises(AssertionError, match="built-in convolution"):
        exec(compile(hidden.source, "<hidden>", "exec"), namespace)  # noqa: S102


def test_convolve2d_check_cell_does_not_spell_out_the_solution():
    """Exercise 4's printed checks name mistakes without dictating the fix: no padding formula, axes or flip call."""
    checks = "\n".join(c.source for c in question_cells(NB, "ch01_true_convolution")["public"])
    for fragment in ("kh - 1", "kw - 1", "[None, None]", "[0, 0]", "flip(0, 1)", "flipping both axes", "can be a pair"):
        assert fragment not in checks, fragment


def test_the_correct_loop_the_slips_are_written_into_passes_every_public_check() -> None:
    """The one-short and short-window plants are this loop with one slip each; it must itself be right."""
    assert public_check_failures(NB, "ch01_correlate2d", CORRELATE_LOOP) == []
