"""Chapter 02's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "02-arithmetic.md"
NB = jupytext.read(CHAPTER)

SIZE_NO_PLUS_ONE = """
def output_size(i, k, s=1, p=0, d=1):
    return (i + 2 * p - d * (k - 1) - 1) // s
"""
SIZE_ONE_SIDED_PADDING = """
def output_size(i, k, s=1, p=0, d=1):
    return (i + p - d * (k - 1) - 1) // s + 1
"""
SIZE_NO_DILATION = """
def output_size(i, k, s=1, p=0, d=1):
    return (i + 2 * p - k) // s + 1
"""
SIZE_ROUNDED_UP = """
def output_size(i, k, s=1, p=0, d=1):
    return -(-(i + 2 * p - d * (k - 1) - 1) // s) + 1
"""
SIZE_SPAN_NO_PLUS_ONE = """
def output_size(i, k, s=1, p=0, d=1):
    return (i + 2 * p - d * (k - 1)) // s + 1
"""
SIZE_FLOAT = """
def output_size(i, k, s=1, p=0, d=1):
    return (i + 2 * p - d * (k - 1) - 1) / s + 1
"""

MISTAKES = [
    ("ch02_output_shape", "shape = (2, 16, 24, 24)", "left out the max pool"),
    ("ch02_output_shape", "shape = (2, 16, 7, 7)", "padding"),  # no padding, one-sided padding or no + 1
    ("ch02_output_shape", "shape = (2, 16, 11, 11)", "defaults to its kernel size"),  # pool stride 2
    ("ch02_output_shape", "shape = (2, 16, 22, 22)", "defaults to its kernel size"),  # pool stride 1
    ("ch02_output_shape", "shape = (2, 16, 16, 16)", "stride of 2"),
    ("ch02_output_shape", "shape = (2, 16, 9, 9)", "rounds up"),
    ("ch02_output_shape", "shape = (2, 3, 8, 8)", "16 output channels"),
    ("ch02_conv_cost", "params = 32 * 16 * 9\nmacs = 32 * 32 * 32 * 16 * 9", "forgot the bias"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 1\nmacs = 32 * 32 * 32 * 16 * 9", "one bias per output channel"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 32\nmacs = 64 * 64 * 32 * 16 * 9", "input size"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 32\nmacs = 31 * 31 * 32 * 16 * 9", "padding"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 32\nmacs = 32 * 32 * (32 * 16 * 9 + 32)", "bias is an addition"),
    ("ch02_conv_cost", "params = 32 * 16 * 3 + 32\nmacs = 32 * 32 * 32 * 16 * 9", "not k = 3"),
    ("ch02_conv_cost", "params = 32 * 9 + 32\nmacs = 32 * 32 * 32 * 16 * 9", "16 input channels"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 32\nmacs = 32 * 32 * 32 * 9", "C_in"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 32\nmacs = 2 * 32 * 32 * 32 * 16 * 9", "FLOPs"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 32\nmacs = 32 * 32 * 16 * 9", "C_out"),
    ("ch02_conv_cost", "params = 32 * 16 * 9 + 32\nmacs = 33 * 33 * 32 * 16 * 9", "rounds up"),
    ("ch02_output_size", SIZE_NO_PLUS_ONE, "off by one"),
    ("ch02_output_size", SIZE_ONE_SIDED_PADDING, "each side"),
    ("ch02_output_size", SIZE_NO_DILATION, "dilation"),
    ("ch02_output_size", SIZE_ROUNDED_UP, "round down"),
    ("ch02_output_size", SIZE_FLOAT, "int"),
    ("ch02_output_size", SIZE_SPAN_NO_PLUS_ONE, "span"),
    ("ch02_read_figure", "stride = 2\npadding = 0\ndilation = 1", "dilation"),
    ("ch02_read_figure", "stride = 2\npadding = 0\ndilation = 2", "padding"),
    ("ch02_read_figure", "stride = 1\npadding = 1\ndilation = 2", "stride"),
    ("ch02_read_figure", "stride = 2\npadding = 2\ndilation = 2", "one side"),
    ("ch02_receptive_field", "field_size = 9\neffective_stride = 2", "pool is a 2×2 window"),
    ("ch02_receptive_field", "field_size = 8\neffective_stride = 2", "stride-2 pool"),
    ("ch02_receptive_field", "field_size = 10\neffective_stride = 1", "max pool has stride 2"),
    ("ch02_receptive_field", "field_size = 11\neffective_stride = 2", "layers below layer l"),
    ("ch02_receptive_field", "field_size = 7\neffective_stride = 2", "each worth 2 input pixels"),
    ("ch02_receptive_field", "field_size = 10\neffective_stride = 4", "per axis"),
    ("ch02_receptive_field", "field_size = 100\neffective_stride = 2", "not its area"),
]

(test_usual_mistake_fails_with_a_hint_naming_it, test_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)
