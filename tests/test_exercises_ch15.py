"""Chapter 15's exercises: the usual mistakes fail the public checks with a hint that names them."""

from __future__ import annotations

import pathlib

import jupytext
import pytest

from planting import planted_mistake_tests

CHAPTER = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "15-deformable.md"
NB = jupytext.read(CHAPTER)

SHAPE = "offset_channels = {}\nmask_channels = {}\nout_shape = {}"
COST = "predictor_params = {}\npredictor_macs = {}"
SAMPLES = "shift = {}\ndilation = {}"
SCRATCH = next(c.source for c in NB.cells if c.cell_type == "code" and c.source.startswith("def deform_conv2d_scratch"))

def guarded_sampler(guard: str) -> str:
    """A bilinear sampler that reads a corner only when ``guard`` holds: the planted mistakes below
    differ from the solution only in that test of the corner's indices."""
    return f"""
def bilinear(image, y, x):
    H, W = image.shape
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for yy, xx in [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]:
        if {guard}:
            total += (1 - abs(y - yy)) * (1 - abs(x - xx)) * float(image[yy, xx])
    return total
"""


BILINEAR_SWAPPED = """
def bilinear(image, y, x):
    H, W = image.shape
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for yy, xx in [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]:
        if 0 <= xx < H and 0 <= yy < W:
            total += (1 - abs(y - yy)) * (1 - abs(x - xx)) * float(image[xx, yy])
    return total
"""
BILINEAR_INDEXED_X_FIRST = guarded_sampler("0 <= yy < H and 0 <= xx < W").replace("image[yy, xx]", "image[xx, yy]")
BILINEAR_ROUNDED = """
def bilinear(image, y, x):
    H, W = image.shape
    r, c = round(y), round(x)
    return float(image[r, c]) if 0 <= r < H and 0 <= c < W else 0.0
"""
BILINEAR_CLAMPED = """
def bilinear(image, y, x):
    H, W = image.shape
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for yy, xx in [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]:
        share = (1 - abs(y - yy)) * (1 - abs(x - xx))
        total += share * float(image[min(max(yy, 0), H - 1), min(max(xx, 0), W - 1)])
    return total
"""
BILINEAR_TRUNCATED = """
def bilinear(image, y, x):
    H, W = image.shape
    y0, x0 = int(y), int(x)
    total = 0.0
    for yy, xx in [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]:
        if 0 <= yy < H and 0 <= xx < W:
            total += (1 - abs(y - yy)) * (1 - abs(x - xx)) * float(image[yy, xx])
    return total
"""
BILINEAR_TRUNCATED_FORMULA = """
def bilinear(image, y, x):
    H, W = image.shape
    y0, x0 = int(y), int(x)
    a, b = y - y0, x - x0
    total = 0.0
    for yy, xx, share in [(y0, x0, (1 - a) * (1 - b)), (y0, x0 + 1, (1 - a) * b), (y0 + 1, x0, a * (1 - b)), (y0 + 1, x0 + 1, a * b)]:
        if 0 <= yy < H and 0 <= xx < W:
            total += share * float(image[yy, xx])
    return total
"""
BILINEAR_WEIGHTS_FLIPPED = """
def bilinear(image, y, x):
    H, W = image.shape
    y0, x0 = math.floor(y), math.floor(x)
    a, b = y - y0, x - x0
    total = 0.0
    for yy, xx, share in [(y0, x0, a * b), (y0, x0 + 1, a * (1 - b)), (y0 + 1, x0, (1 - a) * b), (y0 + 1, x0 + 1, (1 - a) * (1 - b))]:
        if 0 <= yy < H and 0 <= xx < W:
            total += share * float(image[yy, xx])
    return total
"""
BILINEAR_INDEX_ERROR_SKIPPED = """
def bilinear(image, y, x):
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for yy, xx in [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]:
        try:
            total += (1 - abs(y - yy)) * (1 - abs(x - xx)) * float(image[yy, xx])
        except IndexError:
            pass
    return total
"""
BILINEAR_PADDED_BY_ONE = """
def bilinear(image, y, x):
    padded = F.pad(image, (1, 1, 1, 1))                  # zero padding, then index without a bound check
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for yy, xx in [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]:
        total += (1 - abs(y - yy)) * (1 - abs(x - xx)) * float(padded[yy + 1, xx + 1])
    return total
"""
BILINEAR_NO_LOWER_BOUND = guarded_sampler("yy < H and xx < W")
BILINEAR_NO_LEFT_BOUND = guarded_sampler("0 <= yy < H and xx < W")
BILINEAR_NO_TOP_BOUND = guarded_sampler("yy < H and 0 <= xx < W")
BILINEAR_WHOLE_SAMPLE_ZERO = """
def bilinear(image, y, x):
    H, W = image.shape
    if y < 0 or x < 0 or y > H - 1 or x > W - 1:
        return 0.0
    y0, x0 = math.floor(y), math.floor(x)
    y1, x1 = min(y0 + 1, H - 1), min(x0 + 1, W - 1)
    a, b = y - y0, x - x0
    return float((1 - a) * (1 - b) * image[y0, x0] + (1 - a) * b * image[y0, x1]
                 + a * (1 - b) * image[y1, x0] + a * b * image[y1, x1])
"""
BILINEAR_BOUND_OFF_BY_ONE = guarded_sampler("0 <= yy <= H and 0 <= xx <= W")
BILINEAR_LAST_ROW_LEFT_OUT = guarded_sampler("0 <= yy < H - 1 and 0 <= xx < W - 1")
BILINEAR_H_W_SWAPPED = """
def bilinear(image, y, x):
    W, H = image.shape
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for yy, xx in [(y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)]:
        if 0 <= yy < H and 0 <= xx < W:
            total += (1 - abs(y - yy)) * (1 - abs(x - xx)) * float(image[yy, xx])
    return total
"""
BILINEAR_FAR_CORNER_CLAMPED = """
def bilinear(image, y, x):
    H, W = image.shape
    y0, x0 = math.floor(y), math.floor(x)
    y1, x1 = min(y0 + 1, H - 1), min(x0 + 1, W - 1)      # common online: clamp the far corner, skip negatives
    a, b = y - y0, x - x0
    total = 0.0
    for yy, xx, share in [(y0, x0, (1 - a) * (1 - b)), (y0, x1, (1 - a) * b), (y1, x0, a * (1 - b)), (y1, x1, a * b)]:
        if yy >= 0 and xx >= 0:
            total += share * float(image[yy, xx])
    return total
"""

BILINEAR_TORCHVISION_WRAPPED = """
def bilinear(image, y, x):
    off = torch.tensor([y, x], dtype=torch.float32).view(1, 2, 1, 1)
    return torchvision.ops.deform_conv2d(image[None, None], off, torch.ones(1, 1, 1, 1), stride=max(image.shape))[0, 0, 0, 0]
"""
BILINEAR_CONVLIB_WRAPPED = """
from convlib.ops import deform_conv2d as _dc      # bound before the checks run


def bilinear(image, y, x):
    off = torch.tensor([y, x], dtype=torch.float32).view(1, 2, 1, 1)
    return _dc(image[None, None], off, torch.ones(1, 1, 1, 1), stride=max(image.shape))[0, 0, 0, 0]
"""
BILINEAR_GRID_SAMPLE_WRAPPED = """
def bilinear(image, y, x):
    H, W = image.shape
    g = torch.tensor([[[[2 * x / (W - 1) - 1, 2 * y / (H - 1) - 1]]]], dtype=torch.float32)
    return F.grid_sample(image[None, None], g, align_corners=True)[0, 0, 0, 0]
"""
BILINEAR_READ_WEIGHTS_WRAPPED = """
def bilinear(image, y, x):
    H, W = image.shape
    g = bilinear_read_weights([(y, x)], H, W)
    return sum(g[r][c] * float(image[r, c]) for r in range(H) for c in range(W))
"""
BILINEAR_READ_WEIGHTS_IMPORTED = """
def bilinear(image, y, x):
    from convlib.viz import deform
    H, W = image.shape
    g = deform.bilinear_read_weights([(y, x)], H, W)
    return sum(g[r][c] * float(image[r, c]) for r in range(H) for c in range(W))
"""

BILINEAR_MAP_COORDINATES = """
from scipy.ndimage import map_coordinates          # bound before the checks run


def bilinear(image, y, x):
    return float(map_coordinates(image.numpy(), [[y], [x]], order=1, mode="grid-constant")[0])
"""
BILINEAR_NDIMAGE_SHIFT = """
def bilinear(image, y, x):
    import scipy.ndimage
    return float(scipy.ndimage.shift(image.numpy(), (-y, -x), order=1, mode="grid-constant")[0, 0])
"""
BILINEAR_GRID_INTERPOLATOR = """
import numpy as np
from scipy.interpolate import RegularGridInterpolator


def bilinear(image, y, x):
    H, W = image.shape                                  # a ring of zeros around the image, then scipy interpolates
    f = RegularGridInterpolator((np.arange(-1, H + 1), np.arange(-1, W + 1)), np.pad(image.numpy(), 1),
                                bounds_error=False, fill_value=0.0)
    return float(f([[y, x]])[0])
"""
BILINEAR_SKIMAGE_WARP = """
from skimage.transform import AffineTransform, warp


def bilinear(image, y, x):
    moved = warp(image.numpy().astype("float64"), AffineTransform(translation=(x, y)), output_shape=(1, 1),
                 order=1, mode="constant", cval=0.0, preserve_range=True)
    return float(moved[0, 0])
"""

MISTAKES = [
    # ch15_shapes
    ("ch15_shapes", SHAPE.format(10, 5, (2, 24, 16, 16)), "(2·k)"),
    ("ch15_shapes", SHAPE.format(25, 25, (2, 24, 16, 16)), "two offset numbers"),
    ("ch15_shapes", SHAPE.format(50, 50, (2, 24, 16, 16)), "one number per tap"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 32, 32)), "stride"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 14, 14)), "padding"),
    ("ch15_shapes", SHAPE.format(18, 9, (2, 24, 16, 16)), "this kernel is 5×5"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 17, 17)), "rounds down"),        # (32 + 4 − 3) // 2 + 1: k = 3
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 17, 17)), "5 here, not 3"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 15, 15)), "left out the final + 1"),  # (32 + 4 − 5) // 2: no + 1
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 15, 15)), "padded one side only"),  # (32 + 2 − 5) // 2 + 1
    ("ch15_shapes", SHAPE.format(800, 400, (2, 24, 16, 16)), "not per input channel"),
    ("ch15_shapes", SHAPE.format(1200, 600, (2, 24, 16, 16)), "not per output channel"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 28, 28)), "both the stride of 2 and the padding of 2"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 12, 12)), "subtracted the padding"),  # (32 − 4 − 5) // 2 + 1
    ("ch15_shapes", SHAPE.format(75, 25, (2, 24, 16, 16)), "split it into the offsets and the mask"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 16.5, 16.5)), "// in Python"),
    ("ch15_shapes", SHAPE.format(2, 1, (2, 24, 16, 16)), "one shift of the whole grid"),   # one (Δy, Δx) per position
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 16, 32)), "width equals its height"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 16, 14)), "width equals its height"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 15.5, 15.5)), "// in Python"),
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 18, 18)), "by the stride only"),   # (32 + 4) // 2: no − k, no + 1
    ("ch15_shapes", SHAPE.format(50, 25, (2, 24, 8, 8)), "halves it once"),          # 32 // 2 // 2: the stride twice
    ("ch15_shapes", SHAPE.format(50, 9, (2, 24, 16, 16)), "mask count of a 3×3 kernel"),   # 9 printed for 3×3
    ("ch15_shapes", SHAPE.format(50, 1, (2, 24, 16, 16)), "one mask value per position"),
    ("ch15_shapes", SHAPE.format(50, 75, (2, 24, 16, 16)), "offsets and mask together"),    # 3k²
    ("ch15_shapes", SHAPE.format(18, 25, (2, 24, 16, 16)), "offset count of a 3×3 kernel"),
    # ch15_predictor_cost
    ("ch15_predictor_cost", COST.format("256 * 9 * 27 + 27", "27 * 256 * 9 * 20 * 20"), "one offset group"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "27 * 256 * 9 * 20 * 20"), "one offset group's outputs only"),
    ("ch15_predictor_cost", COST.format("64 * 9 * 108 + 108", "108 * 64 * 9 * 20 * 20"), "not what the predictor reads"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 64 * 9 * 20 * 20"), "reading only its 64 channels"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 72 + 72", "72 * 256 * 9 * 20 * 20"), "mask logits"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "72 * 256 * 9 * 20 * 20"), "one mask logit per tap"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 81 + 81", "81 * 256 * 9 * 20 * 20"), "its own mask too"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 36 + 36", "36 * 256 * 9 * 20 * 20"), "too few output channels"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 144 + 144", "144 * 256 * 9 * 20 * 20"), "not two"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 73 + 73", "73 * 256 * 9 * 20 * 20"), "not one per position"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 12 + 12", "12 * 256 * 9 * 20 * 20"), "one shift of a group's whole grid"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "12 * 256 * 9 * 20 * 20"), "one shift of a group's whole grid"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108", "108 * 256 * 9 * 20 * 20"), "forgot the bias"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 256", "108 * 256 * 9 * 20 * 20"), "not one per input channel"),
    ("ch15_predictor_cost", COST.format("256 * 3 * 108 + 108", "108 * 256 * 3 * 20 * 20"), "not k = 3"),
    ("ch15_predictor_cost", COST.format("256 * 108 + 108", "108 * 256 * 20 * 20"), "forgot the kernel area"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108 + 256 * 256 * 9", "108 * 256 * 9 * 20 * 20"), "predictor alone"),
    ("ch15_predictor_cost", COST.format("256 * 256 * 9", "256 * 256 * 9 * 20 * 20"), "deformable convolution's own count"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "256 * 256 * 9 * 20 * 20"), "deformable convolution's own count"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 20 * 20 + 256 * 256 * 9 * 20 * 20"), "predictor alone"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9"), "one output position only"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 40 * 40"), "input size"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 19 * 19"), "leaves out the padding"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 18 * 18"), "subtracts the padding"),  # (40 − 2 − 3) // 2 + 1
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 16 * 16"), "256 is the channel count"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 21 * 21"), "rounds the division down"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 10 * 10"), "stride applied twice"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 20"), "one side of the output"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "2 * 108 * 256 * 9 * 20 * 20"), "not for a batch of two"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "2 * 108 * 256 * 9 * 20 * 20"), "FLOPs"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 20 * 20 + 108 * 20 * 20"), "bias as a multiply-add"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 20 * 20 + 5 * 256 * 9 * 20 * 20"), "sampling"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 20 * 20 + 4 * 256 * 9 * 20 * 20"), "sampling"),
    ("ch15_predictor_cost", COST.format("256 * 9 * 108 + 108", "256 * 9 * 20 * 20"), "one output channel's cost"),
    # ch15_bilinear_sample
    ("ch15_bilinear_sample", BILINEAR_SWAPPED, "swap y and x"),
    ("ch15_bilinear_sample", BILINEAR_INDEXED_X_FIRST, "swap y and x"),   # guard right, index swapped: IndexError
    ("ch15_bilinear_sample", BILINEAR_ROUNDED, "rounded"),
    ("ch15_bilinear_sample", BILINEAR_CLAMPED, "clamping"),
    ("ch15_bilinear_sample", BILINEAR_WEIGHTS_FLIPPED, "flip the weights"),
    ("ch15_bilinear_sample", BILINEAR_TRUNCATED, "math.floor"),
    ("ch15_bilinear_sample", BILINEAR_TRUNCATED_FORMULA, "math.floor"),   # int() in the chapter's (1 − a), a form
    ("ch15_bilinear_sample", BILINEAR_INDEX_ERROR_SKIPPED, "image[-1] is the last row"),
    ("ch15_bilinear_sample", BILINEAR_NO_LOWER_BOUND, "image[-1] is the last row"),
    ("ch15_bilinear_sample", BILINEAR_NO_LEFT_BOUND, "image[r, -1] is the last column"),   # rows guarded, columns not
    ("ch15_bilinear_sample", BILINEAR_NO_TOP_BOUND, "image[-1] is the last row"),          # columns guarded, rows not
    ("ch15_bilinear_sample", BILINEAR_WHOLE_SAMPLE_ZERO, "you returned 0"),
    ("ch15_bilinear_sample", BILINEAR_PADDED_BY_ONE, "more than one pixel outside, past a padding of 1"),
    ("ch15_bilinear_sample", BILINEAR_BOUND_OFF_BY_ONE, "not xx ≤ W"),
    ("ch15_bilinear_sample", BILINEAR_H_W_SWAPPED, "swap H and W"),
    ("ch15_bilinear_sample", BILINEAR_LAST_ROW_LEFT_OUT, "not yy < H − 1"),
    ("ch15_bilinear_sample", BILINEAR_FAR_CORNER_CLAMPED, "clamping the far corner"),
    ("ch15_bilinear_sample", BILINEAR_TORCHVISION_WRAPPED, "library sampler"),   # the check cell's own reference, copied
    ("ch15_bilinear_sample", BILINEAR_CONVLIB_WRAPPED, "library sampler"),
    ("ch15_bilinear_sample", BILINEAR_GRID_SAMPLE_WRAPPED, "library sampler"),
    ("ch15_bilinear_sample", BILINEAR_READ_WEIGHTS_WRAPPED, "library sampler"),     # the set-up cell imports it
    ("ch15_bilinear_sample", BILINEAR_READ_WEIGHTS_IMPORTED, "library sampler"),
    ("ch15_bilinear_sample", BILINEAR_MAP_COORDINATES, "write the gathering yourself"),   # one SciPy call
    ("ch15_bilinear_sample", BILINEAR_NDIMAGE_SHIFT, "write the gathering yourself"),
    ("ch15_bilinear_sample", BILINEAR_GRID_INTERPOLATOR, "write the gathering yourself"),
    ("ch15_bilinear_sample", BILINEAR_SKIMAGE_WARP, "write the gathering yourself"),
    # ch15_read_the_samples
    ("ch15_read_the_samples", SAMPLES.format((2, -1), 5), "Δy (rows) first"),          # (Δx, Δy) order
    ("ch15_read_the_samples", SAMPLES.format((2.1, -0.9), 5), "Δy (rows) first"),       # read to within a quarter
    ("ch15_read_the_samples", SAMPLES.format((1, -2), 5), "from the regular tap to the sample"),   # filled → hollow
    ("ch15_read_the_samples", SAMPLES.format((1, 2), 5), "rows grow downwards"),        # y axis pointing up
    ("ch15_read_the_samples", SAMPLES.format((0, 0), 5), "taps all moved"),
    ("ch15_read_the_samples", SAMPLES.format([-1, 2], 5), "tuple of two numbers"),
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 1), "hollow circles"),            # the regular grid's dilation
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 4), "how far each outer tap moved"),
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 4), "empty squares between"),       # gaps counted, not steps
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 6), "both ends included"),         # fencepost: squares counted inclusive
    ("ch15_read_the_samples", SAMPLES.format((-2, 3), 5), "both ends included"),         # fencepost on the shift
    ("ch15_read_the_samples", SAMPLES.format((-1, -2), 5), "columns grow to the right"),  # dx sign
    ("ch15_read_the_samples", SAMPLES.format((-2, 1), 5), "is (Δx, Δy) and points"),     # swapped and reversed
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 5.0), "positive int"),
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 3), "filled) circles of the chapter's first figure"),   # the most common spacing on the page
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 2), "rotated grid's spacing"),
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 10), "width of the whole scaled grid"),
    ("ch15_read_the_samples", SAMPLES.format((-1, 2), 11), "width of the whole scaled grid"),
]


@pytest.fixture(autouse=True, scope="module")
def _exercise_figure_not_drawn():
    """These tests check hints, not the Exercise 4 figure (the build draws it): its cell skips the drawing here
    and each figure is closed, instead of piling up one figure per call that runs the cell."""
    import matplotlib.pyplot as plt

    import convlib.viz.deform

    saved = convlib.viz.deform.plot_sampling, plt.show
    convlib.viz.deform.plot_sampling = lambda *args, **kwargs: None
    plt.show = lambda *args, **kwargs: plt.close("all")
    yield
    convlib.viz.deform.plot_sampling, plt.show = saved


(test_usual_mistake_fails_the_public_checks_with_a_hint_naming_it,
 test_the_chapters_own_solution_passes_every_public_check,
 test_every_exercise_has_at_least_two_planted_mistakes) = planted_mistake_tests(NB, MISTAKES)


def test_the_public_checks_of_the_figure_question_are_not_an_oracle():
    """They reject the usual misreadings only: other plausible wrong readings pass them and are left to the hidden test."""
    from convlib.course.homework import public_check_failures

    for shift, dilation in [((-1, 1), 5), ((-2, 2), 5), ((-1, 3), 5), ((-1, 2), 7), ((-1, 2), 8), ((-1, 2), 12)]:   # wrong, no named mistake
        assert public_check_failures(NB, "ch15_read_the_samples", SAMPLES.format(shift, dilation)) == [], (shift, dilation)


def test_the_figure_questions_check_cells_do_not_hold_the_answer():
    """Neither the shift nor the dilation appears in a visible check cell (the named misreadings are hashed)."""
    cells = [c.source for c in NB.cells if c.cell_type == "code" and "# HIDDEN" not in c.source
             and ("_read = " in c.source or "_key(dilation)" in c.source)]
    assert len(cells) == 2
    for given_away in ["(-1, 2)", "(-1.0, 2.0)", "!= 3", "== 3", "(2, -1)", "(1, -2)", "(1, 2)", "(-2, 3)", "(-1, -2)",
                       "(-2, 1)", "!= 4", "!= 5", "== 5"]:
        assert given_away not in "\n".join(cells), given_away


def test_wrapping_the_chapters_own_deform_conv2d_scratch_is_refused_and_the_swap_undone():
    """With the From-scratch cell in scope (as in the notebook), a bilinear that calls deform_conv2d_scratch,
    even under another name, is refused, while the solution still passes with it in scope."""
    from convlib.course.homework import public_check_failures

    direct = """
def bilinear(image, y, x):
    off = torch.tensor([y, x], dtype=torch.float32).view(1, 2, 1, 1)   # one 1×1 tap moved to (y, x)
    return deform_conv2d_scratch(image[None, None], off, torch.ones(1, 1, 1, 1))[0, 0, 0, 0]
"""
    aliased = "scratch = deform_conv2d_scratch\n" + direct.replace("return deform_conv2d_scratch(", "return scratch(")
    copied = SCRATCH.replace("def deform_conv2d_scratch(", "def my_sampler(") + direct.replace(
        "return deform_conv2d_scratch(", "return my_sampler(")                         # a renamed copy of the function
    inner = direct.replace("    off = ", "\n".join("    " + line for line in SCRATCH.replace(
        "def deform_conv2d_scratch(", "def my_sampler(").splitlines()) + "\n    off = ").replace(
        "return deform_conv2d_scratch(", "return my_sampler(")                         # the copy pasted inside bilinear
    for answer in (direct, aliased, copied, inner):
        failures = public_check_failures(NB, "ch15_bilinear_sample", answer, context=SCRATCH)
        assert failures and "deform_conv2d_scratch" in failures[0], failures
    assert public_check_failures(NB, "ch15_bilinear_sample", context=SCRATCH) == []


def test_the_sampler_swap_of_exercise_3_is_undone_after_the_checks():
    """The checks swap the library samplers out only while the student's function runs: afterwards
    torchvision's and convlib's deform_conv2d and grid_sample work again, even after a refused answer."""
    import sys

    import torch
    import torchvision
    from convlib.course.homework import public_check_failures

    deform = sys.modules["convlib.ops.deform"]
    before = (deform._check, torch.grid_sampler)
    assert public_check_failures(NB, "ch15_bilinear_sample", BILINEAR_TORCHVISION_WRAPPED)
    assert (deform._check, torch.grid_sampler) == before
    x, off, w = torch.ones(1, 1, 3, 3), torch.zeros(1, 2, 3, 3), torch.ones(1, 1, 1, 1)
    assert torch.equal(torchvision.ops.deform_conv2d(x, off, w), x)


def test_the_public_checks_of_the_counting_questions_are_not_oracles():
    """Exercises 1 and 2 reject the named mistakes only: other plausible wrong answers pass the public checks
    and are left to the hidden tests (the ruling on public checks as oracles)."""
    from convlib.course.homework import public_check_failures

    for wrong in [SHAPE.format(48, 24, (2, 24, 16, 16)), SHAPE.format(32, 16, (2, 24, 16, 16)),
                  SHAPE.format(50, 25, (2, 24, 20, 20)), SHAPE.format(50, 25, (2, 24, 22, 22)),
                  SHAPE.format(50, 30, (2, 24, 16, 16))]:                          # no usual mistake makes these
        assert public_check_failures(NB, "ch15_shapes", wrong) == [], wrong
    for wrong in [COST.format("256 * 9 * 120 + 120", "120 * 256 * 9 * 14 * 14"),     # no usual mistake makes these
                  COST.format("256 * 9 * 96 + 96", "96 * 256 * 9 * 14 * 14"),
                  COST.format("256 * 9 * 108 + 108", "108 * 256 * 9 * 24 * 24"),
                  COST.format("256 * 9 * 112 + 112", "112 * 256 * 9 * 20 * 20"),   # not the sampling mistake, though the
                  COST.format("256 * 9 * 113 + 113", "113 * 256 * 9 * 20 * 20")]:   # multiply-adds equal its counts
        assert public_check_failures(NB, "ch15_predictor_cost", wrong) == [], wrong


def test_the_check_cells_of_exercises_1_and_2_do_not_hold_the_answers():
    """No visible check cell of the two counting questions writes an answer's number or its product."""
    cells = [c.source for c in NB.cells if c.cell_type == "code" and "# HIDDEN" not in c.source
             and ("_key(predictor" in c.source or "_key(offset_channels)" in c.source or "_key(out_shape" in c.source)]
    text = "\n".join(cells)
    assert len(cells) == 4
    for given_away in ["108", "248_940", "248940", "99_532_800", "99532800", "20 * 20", "(20", "19 * 19", "18 * 18",
                       "10 * 10", "21 * 21", "24_883_200", "24883200", "(12", "12 * 12",
                       "48_771_072", "48771072", "14 * 14", "(14", "13 * 13", "7 * 7",
                       "27 * 256 * 9", "256 * 9 * 27", "12_192_768", "12192768", "62_235", "62235", "= 27", "(27)",
                       "k² = 25", "(16, 16)", "= 16", "15.5", "one too many", "without the + 1", "2 * 25", "(75, 25)",
                       "!= 25", "!= 50", "(18, 9)", "18 and 9", "2 * mask_channels", "62_208", "451_584", "41_490"]:
        assert given_away not in text, given_away


def test_the_swap_of_exercise_3_covers_the_set_up_cells_bilinear_read_weights_and_undoes_it():
    """Calling the set-up cell's bilinear_read_weights is refused, and afterwards the name works again."""
    import sys

    from convlib.course.homework import public_check_failures

    viz = sys.modules["convlib.viz.deform"]
    before = viz.bilinear_read_weights
    failures = public_check_failures(NB, "ch15_bilinear_sample", BILINEAR_READ_WEIGHTS_WRAPPED)
    assert any("library sampler" in f for f in failures), failures
    assert viz.bilinear_read_weights is before


def test_the_swap_of_exercise_3_covers_scipy_and_scikit_image_and_undoes_it():
    """Each one-call interpolator route fails the public checks (they pass without the swap: the routes are
    right), and afterwards SciPy's and scikit-image's interpolators work again."""
    import numpy as np
    import scipy.interpolate
    import scipy.ndimage
    import skimage.transform

    from convlib.course.homework import public_check_failures

    for route in (BILINEAR_MAP_COORDINATES, BILINEAR_NDIMAGE_SHIFT, BILINEAR_GRID_INTERPOLATOR, BILINEAR_SKIMAGE_WARP):
        failures = public_check_failures(NB, "ch15_bilinear_sample", route)
        assert failures and "library sampler" in failures[0], failures
    image = np.arange(20.0).reshape(4, 5)
    assert scipy.ndimage.map_coordinates(image, [[1.25], [3.0]], order=1)[0] == 9.25
    assert scipy.ndimage.shift(image, (0, 0), order=1)[1, 3] == 8.0
    assert scipy.interpolate.RegularGridInterpolator((np.arange(4), np.arange(5)), image)([[1.25, 3.0]])[0] == 9.25
    assert skimage.transform.warp(image, skimage.transform.AffineTransform(translation=(3, 1)), output_shape=(1, 1),
                                  order=1, preserve_range=True)[0, 0] == 8.0


def test_exercise_2s_answers_are_not_numbers_the_cost_section_prints():
    """The predictor's parameters and multiply-adds, and their doubles, halves and quarters, differ from every
    count the Cost section computes and prints before the exercises."""
    namespace: dict[str, object] = {}
    code = [c.source for c in NB.cells if c.cell_type == "code"]
    exec(code[0], namespace)                                            # the set-up cell
    exec(next(s for s in code if s.startswith("C, C_out, k, HW")), namespace)   # the Cost section's formula cell
    printed = {namespace[n] for n in ("pred_params", "pred_macs", "sample_macs", "conv_params", "conv_macs", "total_macs")}
    printed |= {namespace["pred_params"] + namespace["conv_params"]}
    solution = next(s for s in code if "predictor_macs = " in s and "# SOLUTION" in s)
    answers: dict[str, int] = {}
    exec(solution.replace("  # SOLUTION", ""), answers)
    for name in ("predictor_params", "predictor_macs"):
        for near in (answers[name], 2 * answers[name], answers[name] / 2, 4 * answers[name], answers[name] / 4):
            assert near not in printed, (name, near)


def test_exercise_4s_hint_for_the_first_figures_spacing_names_the_spacing_that_figure_draws():
    """The scaled-up grid of the chapter's first figure has its filled circles one spacing apart that Exercise 4
    names in a hint (stored there as a salted hash); the guard lives here, not in the downloadable notebook."""
    import hashlib

    from convlib.viz.deform import pattern_offsets

    figure = next(c.source for c in NB.cells if c.cell_type == "code" and "scaled_step = " in c.source)
    assert 'spread = pattern_offsets(3, dilation=2, pattern="scale up", strength=1.0)' in figure
    assert "scaled_step = 2 + spread[5][1] - spread[4][1]" in figure
    spread = pattern_offsets(3, dilation=2, pattern="scale up", strength=1.0)
    step = 2 + spread[5][1] - spread[4][1]
    hint_cell = next(c.source for c in NB.cells if c.cell_type == "code" and "_key(dilation)" in c.source)
    key = hashlib.sha256(f"ch15:{step:g}".encode()).hexdigest()[:10]
    assert f'_key(dilation) != "{key}", \\\n    "that is the spacing of the shifted grid\'s circles, and of the scaled-up (filled) circles of the chapter\'s first figure' in hint_cell
