"""Chapter 05's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "05-transposed.md"
NB = jupytext.read(CHAPTER)

INSERT_TRAILING_ZEROS = """
def zero_insert(x, stride):
    n, c, h, w = x.shape
    out = x.new_zeros(n, c, stride * h, stride * w)
    out[:, :, ::stride, ::stride] = x
    return out
"""
INSERT_DTYPE_LOST = """
def zero_insert(x, stride):
    n, c, h, w = x.shape
    out = torch.zeros(n, c, stride * (h - 1) + 1, stride * (w - 1) + 1)
    out[:, :, ::stride, ::stride] = x
    return out
"""
INSERT_HEIGHT_TWICE = """
def zero_insert(x, stride):
    n, c, h, w = x.shape
    out = x.new_zeros(n, c, stride * (h - 1) + 1, stride * (h - 1) + 1)
    out[:, :, ::stride, ::stride] = x
    return out
"""
INSERT_DEVICE_LOST = """
def zero_insert(x, stride):
    n, c, h, w = x.shape
    out = torch.zeros(n, c, stride * (h - 1) + 1, stride * (w - 1) + 1, dtype=x.dtype)
    out[:, :, ::stride, ::stride] = x
    return out
"""
INSERT_ONE_SHORT = """
def zero_insert(x, stride):
    n, c, h, w = x.shape
    out = x.new_zeros(n, c, stride * (h - 1), stride * (w - 1))
    out[:, :, ::stride, ::stride] = x
    return out
"""
INSERT_COPIES = """
def zero_insert(x, stride):
    y = x.repeat_interleave(stride, dim=2).repeat_interleave(stride, dim=3)
    return y[:, :, : stride * (x.shape[2] - 1) + 1, : stride * (x.shape[3] - 1) + 1]
"""

MISTAKES = [
    ("ch05_output_shape", "shape = (8, 16, 27, 27)", "output_padding"),
    ("ch05_output_shape", "shape = (8, 16, 29, 29)", "without the padding and output_padding"),
    ("ch05_output_shape", "shape = (8, 16, 25, 25)", "left out the kernel"),
    ("ch05_output_shape", "shape = (8, 16, 31, 31)", "one stride too many"),
    ("ch05_output_shape", "shape = (8, 16, 30, 30)", "leaves out the padding"),
    ("ch05_output_shape", "shape = (8, 16, 7, 7)", "ordinary convolution"),
    ("ch05_output_shape", "shape = (8, 16, 15, 15)", "stride"),
    ("ch05_output_shape", "shape = (8, 16, 26, 26)", "do not subtract"),
    ("ch05_transposed_macs", "macs = 32 * 32 * 256 * 128 * 4 * 4", "output positions"),
    ("ch05_transposed_macs", "macs = 16 * 16 * 128 * 4 * 4", "C_in = 256"),
    ("ch05_transposed_macs", "macs = 16 * 16 * 256 * 4 * 4", "C_out = 128"),
    ("ch05_transposed_macs", "macs = 16 * 16 * (256 * 128 * 4 * 4 + 128)", "bias"),
    ("ch05_transposed_macs", "macs = 256 * 128 * 4 * 4", "number of weights"),
    ("ch05_transposed_macs", "macs = 16 * 16 * 256 * 128 * 4", "k² = 16"),
    ("ch05_transposed_macs", "macs = 2 * 16 * 16 * 256 * 128 * 4 * 4", "FLOPs"),
    ("ch05_transposed_macs", "macs = 16 * 16 * 256 * 128 * 4 * 4 + 32 * 32 * 128", "a bias is not a multiply-add"),
    ("ch05_transposed_macs", "macs = 16 * 16 * 256 * 128 * 4 * 4 + 128", "a bias is not a multiply-add"),
    ("ch05_transposed_macs", "macs = 16 * 16 * 256 * 128 * 3 * 3", "not 3×3"),
    ("ch05_zero_insert", INSERT_TRAILING_ZEROS, "becomes 3×3"),
    ("ch05_zero_insert", INSERT_DTYPE_LOST, "dtype"),
    ("ch05_zero_insert", INSERT_COPIES, "zeros between"),
    ("ch05_zero_insert", INSERT_ONE_SHORT, "s·(2−1) + 1"),
    ("ch05_zero_insert", INSERT_HEIGHT_TWICE, "W for the columns"),
    ("ch05_zero_insert", INSERT_DEVICE_LOST, "device"),
    ("ch05_which_pair", "pair = (4, 4)", "s divides k"),
    ("ch05_which_pair", "pair = (10, 2)", "s divides k"),
    ("ch05_which_pair", "pair = (3, 7)", "kernel size first"),
    ("ch05_which_pair", "pair = (5, 3)", "16 pixels wide"),
    ("ch05_which_pair", "pair = (13, 1)", "s divides k"),
    ("ch05_which_pair", "pair = (1, 5)", "k < s"),
]

(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
