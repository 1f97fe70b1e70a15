"""Chapter 07: rank-1 kernels and the SVD, the separable operator against PyTorch, its costs, scenes and widgets."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_convnd
from torch import nn

from convlib import cost, ops
from convlib import separable as sep
from convlib.ops.separable import SpatiallySeparableConv2d, spatially_separable_conv2d, spatially_separable_weight
from convlib.viz.separable import format_value, low_rank_scene, plot_singular_values, separable_passes_scene
from convlib.widgets import RENDERS, safe_render, state_key, tabulate
from convlib.widgets.separable import low_rank_explorer, separable_explorer

SOBEL = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


# --- SVD helpers -------------------------------------------------------------------------------------------------

def test_sobel_is_the_outer_product_of_smoothing_and_difference():
    torch.testing.assert_close(torch.outer(torch.tensor([1.0, 2.0, 1.0]), torch.tensor([1.0, 0.0, -1.0])), SOBEL)
    torch.testing.assert_close(sep.example_kernel("sobel"), SOBEL.double())


def test_separate_recovers_sobels_factors_up_to_scale():
    column, row = sep.separate(SOBEL)
    torch.testing.assert_close(torch.outer(column, row), SOBEL)
    torch.testing.assert_close(column / column[0], torch.tensor([1.0, 2.0, 1.0]))
    torch.testing.assert_close(row * column[0], torch.tensor([1.0, 0.0, -1.0]))
    assert column.dtype == SOBEL.dtype and column[column.abs().argmax()] > 0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**31 - 1))
def test_separate_reconstructs_every_random_rank_one_kernel(kh, kw, seed):
    gen = torch.Generator().manual_seed(seed)
    kernel = torch.outer(torch.randn(kh, generator=gen, dtype=torch.float64), torch.randn(kw, generator=gen, dtype=torch.float64))
    assert sep.is_separable(kernel)
    column, row = sep.separate(kernel)
    assert column.shape == (kh,) and row.shape == (kw,)
    torch.testing.assert_close(torch.outer(column, row), kernel)
    torch.testing.assert_close(column.norm(), row.norm())


@pytest.mark.parametrize("name", ["disk", "gabor", "random"])
def test_separate_rejects_kernels_of_rank_above_one_naming_the_ratio(name):
    assert not sep.is_separable(sep.example_kernel(name))
    with pytest.raises(ValueError, match=r"not separable: σ2/σ1 = "):
        sep.separate(sep.example_kernel(name))


def test_example_kernels_have_the_ranks_the_chapter_states():
    ranks = {name: int((sep.singular_values(sep.example_kernel(name)) > 1e-9).sum()) for name in sep.EXAMPLE_KERNELS}
    assert ranks == {"sobel": 1, "gaussian": 1, "disk": 2, "gabor": 5, "random": 5}
    assert sep.energy(sep.example_kernel("gabor"))[0] > sep.energy(sep.example_kernel("random"))[0]


def test_zero_and_single_row_kernels_count_as_separable():
    assert sep.is_separable(torch.zeros(3, 3)) and sep.is_separable(torch.randn(1, 5)) and sep.is_separable(torch.randn(4, 1))
    column, row = sep.separate(torch.zeros(2, 3))
    assert torch.equal(torch.outer(column, row), torch.zeros(2, 3))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(2, 6), st.integers(0, 2**31 - 1), st.data())
def test_rank_k_approximation_is_optimal_with_the_error_eckart_young_predicts(kh, kw, seed, data):
    k = data.draw(st.integers(1, min(kh, kw)))
    gen = torch.Generator().manual_seed(seed)
    kernel = torch.randn(kh, kw, generator=gen, dtype=torch.float64)
    approx = sep.rank_k_approximation(kernel, k)
    assert torch.linalg.matrix_rank(approx) <= k
    err = float((kernel - approx).norm() / kernel.norm())
    assert err == pytest.approx(sep.relative_error(kernel, k), abs=1e-9)
    assert 1 - err**2 == pytest.approx(float(sep.energy(kernel)[k - 1]), abs=1e-9)
    for _ in range(5):  # no random rank-k matrix does better
        other = torch.randn(kh, k, generator=gen, dtype=torch.float64) @ torch.randn(k, kw, generator=gen, dtype=torch.float64)
        best = (kernel * other).sum() / (other * other).sum()  # the best multiple of it
        assert (kernel - best * other).norm() >= (kernel - approx).norm() - 1e-9
    columns, rows = sep.low_rank_factors(kernel, k)
    assert columns.shape == (kh, k) and rows.shape == (k, kw)
    for i in range(k):
        assert sep.is_separable(torch.outer(columns[:, i], rows[i]))


def test_full_rank_approximation_gives_the_kernel_back_and_energy_ends_at_one():
    kernel = sep.example_kernel("random")
    torch.testing.assert_close(sep.rank_k_approximation(kernel, 5), kernel)
    assert sep.relative_error(kernel, 5) == pytest.approx(0.0, abs=1e-7)
    assert float(sep.energy(kernel)[-1]) == pytest.approx(1.0)
    assert torch.all(sep.energy(kernel).diff() >= 0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sep.separate(torch.ones(3)), "kernel must be a non-empty 2-D matrix"),
        (lambda: sep.separate(torch.full((2, 2), float("nan"))), "kernel must hold finite numbers"),
        (lambda: sep.rank_k_approximation(SOBEL, 4), "k must be an int from 1 to 3"),
        (lambda: sep.rank_k_approximation(SOBEL, 0), "k must be an int from 1 to 3"),
        (lambda: sep.is_separable(SOBEL, tol=-1.0), "tol must be non-negative"),
        (lambda: sep.example_kernel("box"), "name must be one of sobel"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- costs -------------------------------------------------------------------------------------------------------

def test_five_by_five_image_costs_45_plus_27_against_81():
    assert sep.separable_macs(5, 3) == (45, 27)
    assert sep.full_macs(5, 3) == 81
    assert sep.mac_ratio(5, 3) == pytest.approx(72 / 81)


@pytest.mark.parametrize("n, m", [(n, m) for n in range(3, 40, 3) for m in range(1, 8) if m <= n])
def test_mac_ratio_follows_the_closed_form_and_same_padding_gives_exactly_two_over_m(n, m):
    assert sep.mac_ratio(n, m) == pytest.approx((2 * n - m + 1) / (m * (n - m + 1)))
    if m % 2:
        assert sep.mac_ratio(n, m, padding=m // 2) == pytest.approx(2 / m)


def test_mac_ratio_tends_to_two_over_m_for_large_images():
    for m in (3, 5, 7, 15):
        assert abs(sep.mac_ratio(100_000, m) - 2 / m) < 1e-3


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5),
       st.integers(0, 2), st.integers(0, 2), st.integers(1, 3), st.integers(1, 3), st.integers(0, 4), st.integers(0, 4))
def test_separable_macs_agree_with_counting_the_module(cin, cmid, cout, kh, kw, ph, pw, sh, sw, eh, ew):
    h, w = max(1, kh - 2 * ph) + eh, max(1, kw - 2 * pw) + ew
    module = SpatiallySeparableConv2d(cin, cout, (kh, kw), (sh, sw), (ph, pw), mid_channels=cmid)
    counted = cost.count(module, (1, cin, h, w))
    formula = sep.separable_macs((h, w), (kh, kw), (sh, sw), (ph, pw), cin, cout, cmid)
    assert [r.macs for r in counted.layers] == list(formula)
    assert counted.params == cost.conv_params(cin, cmid, (kh, 1), bias=False) + cost.conv_params(cmid, cout, (1, kw))
    full = cost.count(nn.Conv2d(cin, cout, (kh, kw), (sh, sw), (ph, pw)), (1, cin, h, w)).macs
    assert full == sep.full_macs((h, w), (kh, kw), (sh, sw), (ph, pw), cin, cout)


# --- the operator against PyTorch -------------------------------------------------------------------------------

@st.composite
def separable_configs(draw):
    groups = draw(st.integers(1, 2))
    cin, cmid, cout = (groups * draw(st.integers(1, 2)) for _ in range(3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kind = draw(st.sampled_from(["int", "tuple", "valid", "same"] if stride == (1, 1) else ["int", "tuple", "valid"]))
    padding = {"int": draw(st.integers(0, 2)), "tuple": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
               "valid": "valid", "same": "same"}[kind]
    size = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4)) for k, d in zip((kh, kw), dilation))
    return dict(shape=(draw(st.integers(1, 2)), cin, *size), column=(cmid, cin // groups, kh, 1),
                row=(cout, cmid // groups, 1, kw), bias=draw(st.booleans()),
                kwargs=dict(stride=stride, padding=padding, dilation=dilation, groups=groups),
                seed=draw(st.integers(0, 2**31 - 1)))


def _tensors(cfg, requires_grad=True):
    gen = torch.Generator().manual_seed(cfg["seed"])
    x = torch.randn(cfg["shape"], generator=gen, dtype=torch.float64)
    wc = torch.randn(cfg["column"], generator=gen, dtype=torch.float64)
    wr = torch.randn(cfg["row"], generator=gen, dtype=torch.float64)
    b = torch.randn(cfg["row"][0], generator=gen, dtype=torch.float64) if cfg["bias"] else None
    return [t.requires_grad_(requires_grad) if t is not None else None for t in (x, wc, wr, b)]


@settings(max_examples=150, deadline=None)
@given(separable_configs())
def test_two_passes_equal_torch_conv2d_with_the_composed_weight_outputs_and_gradients(cfg):
    x, wc, wr, b = _tensors(cfg)
    ours = spatially_separable_conv2d(x, wc, wr, b, **cfg["kwargs"])
    ref = F.conv2d(x, spatially_separable_weight(wc, wr, cfg["kwargs"]["groups"]), b, **cfg["kwargs"])
    torch.testing.assert_close(ours, ref)
    inputs = [t for t in (x, wc, wr, b) if t is not None]
    grad = torch.randn(ref.shape, dtype=ref.dtype, generator=torch.Generator().manual_seed(cfg["seed"] + 1))
    for g_ours, g_ref in zip(torch.autograd.grad(ours, inputs, grad), torch.autograd.grad(ref, inputs, grad)):
        torch.testing.assert_close(g_ours, g_ref)


def test_one_channel_pair_equals_the_naive_loop_with_the_rank_one_kernel():
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(1, 1, 7, 6, generator=gen, dtype=torch.float64)
    column, row = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64), torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64)
    ours = spatially_separable_conv2d(x, column.view(1, 1, 3, 1), row.view(1, 1, 1, 3), stride=(2, 1), padding=1)
    torch.testing.assert_close(ours, naive_convnd(x, SOBEL.double().view(1, 1, 3, 3), stride=(2, 1), padding=1))


def test_composed_weight_of_one_middle_channel_per_group_has_rank_one_kernels():
    gen = torch.Generator().manual_seed(0)
    w = spatially_separable_weight(torch.randn(4, 2, 5, 1, generator=gen), torch.randn(8, 1, 1, 5, generator=gen), groups=4)
    assert w.shape == (8, 2, 5, 5)
    assert all(sep.is_separable(k, tol=1e-5) for k in w.flatten(0, 1))
    wide = spatially_separable_weight(torch.randn(3, 1, 5, 1, generator=gen), torch.randn(1, 3, 1, 5, generator=gen))
    assert int(torch.linalg.matrix_rank(wide[0, 0])) == 3  # three middle channels: rank 3


def test_spatially_separable_conv2d_passes_gradcheck_in_float64():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1, 2, 5, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    wc = torch.randn(2, 2, 3, 1, dtype=torch.float64, generator=gen, requires_grad=True)
    wr = torch.randn(3, 2, 1, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, generator=gen, requires_grad=True)
    kwargs = dict(stride=(2, 1), padding=(1, 1), dilation=(1, 2))
    assert torch.autograd.gradcheck(lambda *t: spatially_separable_conv2d(*t, **kwargs), (x, wc, wr, b))


def test_batch_size_zero_gives_an_empty_batch_and_zero_weight_gradients():
    x = torch.randn(0, 2, 6, 6, requires_grad=True)
    wc, wr = torch.randn(2, 2, 3, 1, requires_grad=True), torch.randn(4, 2, 1, 3, requires_grad=True)
    y = spatially_separable_conv2d(x, wc, wr, padding=1)
    assert y.shape == (0, 4, 6, 6)
    y.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(wc.grad, torch.zeros_like(wc))


@pytest.mark.parametrize("make_view", [lambda t: t.transpose(2, 3), lambda t: t[:, ::2, 1:, ::2]], ids=["transposed", "sliced"])
def test_non_contiguous_inputs_match_torch(make_view):
    gen = torch.Generator().manual_seed(0)
    x = make_view(torch.randn(2, 4, 9, 9, dtype=torch.float64, generator=gen))
    wc = torch.randn(3, x.shape[1], 6, 1, dtype=torch.float64, generator=gen)[:, :, ::2]  # (3, C, 3, 1), strided
    wr = torch.randn(2, 3, 1, 2, dtype=torch.float64, generator=gen)
    assert not x.is_contiguous() and not wc.is_contiguous()
    ref = F.conv2d(x, spatially_separable_weight(wc, wr), stride=2, padding=1)
    torch.testing.assert_close(spatially_separable_conv2d(x, wc, wr, stride=2, padding=1), ref)


def test_unbatched_input_matches_torch():
    x, wc, wr = torch.randn(2, 6, 5, dtype=torch.float64), torch.randn(2, 2, 3, 1, dtype=torch.float64), torch.randn(1, 2, 1, 3, dtype=torch.float64)
    torch.testing.assert_close(spatially_separable_conv2d(x, wc, wr), F.conv2d(x, spatially_separable_weight(wc, wr)))


@pytest.mark.parametrize(
    "args, message",
    [
        ((torch.randn(1, 1, 3, 1), torch.randn(1, 1, 3, 1)), "weight_row must be a 4-D tensor"),
        ((torch.randn(1, 1, 3, 2), torch.randn(1, 1, 1, 3)), "weight_column must be a 4-D tensor"),
        ((torch.randn(2, 1, 3, 1), torch.randn(1, 1, 1, 3)), "weight_row must take the column pass's 2 channels"),
        ((torch.randn(1, 1, 3, 1), torch.randn(1, 1, 1, 3), None, 1, 0, 1, 2), "groups must divide"),
        ((torch.randn(1, 1, 3, 1), torch.randn(1, 1, 1, 3), None, 2, "same"), "padding"),
        ((torch.randn(1, 2, 3, 1), torch.randn(1, 1, 1, 3)), "channels"),
        ((torch.randn(1, 1, 9, 1), torch.randn(1, 1, 1, 3)), "kernel"),
        (("not a tensor", torch.randn(1, 1, 1, 3)), "weight_column must be a torch.Tensor"),
    ],
)
def test_impossible_arguments_raise_value_errors_naming_the_argument(args, message):
    with pytest.raises(ValueError, match=message):
        spatially_separable_conv2d(torch.randn(1, 1, 5, 5), *args)


def test_module_computes_torch_conv2d_with_its_composed_weight_and_runs_our_functional(monkeypatch):
    torch.manual_seed(0)
    module = SpatiallySeparableConv2d(4, 6, (3, 5), stride=(1, 2), padding=(1, 2), groups=2, mid_channels=2)
    assert isinstance(module.column, ops.Conv2d) and isinstance(module.row, ops.Conv2d)
    x = torch.randn(2, 4, 8, 9)
    ref = F.conv2d(x, module.weight, module.row.bias, stride=(1, 2), padding=(1, 2), groups=2)
    torch.testing.assert_close(module(x), ref)
    calls = []
    real = ops.conv.conv2d
    monkeypatch.setattr(ops.conv, "conv2d", lambda *a: calls.append(a) or real(*a))
    module(x)
    assert len(calls) == 2


# --- scenes and widgets -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size, k, p, s", [(n, k, p, s) for n in range(3, 10, 2) for k in range(1, 6) for p in range(3) for s in (1, 2)])
def test_passes_scene_grids_have_the_shapes_torch_computes(size, k, p, s):
    x = torch.randn(1, 1, size, size)
    try:
        scene = separable_passes_scene(size, k, p, s)
    except ValueError as exc:
        with pytest.raises(RuntimeError):
            F.conv2d(x, torch.randn(1, 1, k, k), stride=s, padding=p)
        assert "\n" not in str(exc)
        return
    middle = F.conv2d(x, torch.randn(1, 1, k, 1), stride=(s, 1), padding=(p, 0))
    out = F.conv2d(middle, torch.randn(1, 1, 1, k), stride=(1, s), padding=(0, p))
    assert out.shape == F.conv2d(x, torch.randn(1, 1, k, k), stride=s, padding=p).shape
    in_grid, mid_grid, out_grid = scene.grid("input"), scene.grid("middle"), scene.grid("output")
    assert (in_grid.rows, in_grid.cols) == (size + 2 * p, size)          # the column pass pads only the height
    assert (mid_grid.rows, mid_grid.cols - 2 * p) == tuple(middle.shape[2:])
    assert (out_grid.rows, out_grid.cols) == tuple(out.shape[2:])
    assert [w.frames for w in scene.windows] == [middle.shape[2] * middle.shape[3], out.shape[2] * out.shape[3]]
    first, second = sep.separable_macs(size, k, s, p)
    assert f"= {first} multiplications" in scene.lines[0] and f"= {second} multiplications" in scene.lines[1]
    assert first == middle.numel() * k and second == out.numel() * k


def test_passes_scene_on_five_by_five_says_72_against_81():
    assert "separable 45 + 27 = 72  vs  full 3×3: 3×3 × 9 = 81" in separable_passes_scene(5, 3).lines[2]


def test_impossible_settings_become_one_line_error_scenes():
    assert safe_render(separable_passes_scene, dict(size=3, kernel_size=5, padding=0, stride=1))["error"].startswith("kernel_size")
    error = safe_render(low_rank_scene, dict(kernel="sobel", rank=4))["error"]
    assert error == "rank must be at most 3 for the 3×3 sobel kernel: it has only 3 singular values"
    assert "\n" not in safe_render(low_rank_scene, dict(kernel="blob", rank=1))["error"]


@pytest.mark.parametrize("name", sep.EXAMPLE_KERNELS)
def test_low_rank_scene_shows_the_svd_approximation_and_its_error(name):
    kernel = sep.example_kernel(name)
    for rank in range(1, kernel.shape[0] + 1):
        scene = low_rank_scene(name, rank)
        approx = torch.tensor(scene.grid("approximation").values, dtype=torch.float64).view(kernel.shape)
        torch.testing.assert_close(approx, sep.rank_k_approximation(kernel, rank))
        columns = torch.tensor(scene.grid("columns").values, dtype=torch.float64).view(kernel.shape[0], rank)
        rows = torch.tensor(scene.grid("rows").values, dtype=torch.float64).view(rank, kernel.shape[1])
        torch.testing.assert_close(columns @ rows, approx)
        error = torch.tensor(scene.grid("error").values, dtype=torch.float64).view(kernel.shape)
        torch.testing.assert_close(error, kernel - approx)
        assert f"= {sep.relative_error(kernel, rank):.3f}" in scene.lines[1]
        rank_of_kernel = int((sep.singular_values(kernel) > 1e-9 * sep.singular_values(kernel)[0]).sum())
        assert ("already exact" in scene.lines[1]) == (rank > rank_of_kernel)      # e.g. Sobel at rank 2 or 3


def test_format_value_fits_four_characters_and_rounds_to_the_shown_precision():
    for v in torch.linspace(-40, 40, 4001).tolist() + [0.004, -0.004, 0.999, -0.1234]:
        text = format_value(v)
        assert len(text) <= 4, (v, text)
        assert abs(float(text.replace("−", "-")) - v) <= max(0.0051, 0.051 if abs(v) >= 0.995 else 0, 0.51 if abs(v) >= 9.95 else 0)


def test_plot_singular_values_draws_one_bar_per_singular_value():
    fig = plot_singular_values(["sobel", "disk", "random"])
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert len(heights) == 3 + 5 + 5
    assert heights[0] == pytest.approx(1.0) and heights[1] == pytest.approx(0.0, abs=1e-9)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "1.00" in labels and "0" in labels


def test_plot_singular_values_without_values_prints_only_the_kernel_labels():
    fig = plot_singular_values(["sobel", "disk"], values=False)
    assert [t.get_text() for t in fig.axes[0].texts] == ["sobel", "disk"]


@pytest.mark.parametrize("factory, name", [(separable_explorer, "separable_explorer"), (low_rank_explorer, "low_rank_explorer")])
def test_widgets_are_registered_and_precompute_every_state(factory, name):
    render, controls = RENDERS[name]
    widget = factory()
    assert widget.table == tabulate(render, controls)
    assert widget.scene == widget.table[state_key(widget.values, controls)] and "grids" in widget.scene
    total = math.prod(len(c["options"]) for c in controls)
    assert len(widget.table) == total <= 1000


def test_gabor_stripes_run_30_degrees_from_vertical_and_theta_points_across_them():
    k = sep._gabor(size=61, wavelength=20.0, sigmas=(1e3, 1e3))    # no envelope, long waves: clean stripes
    gy, gx = torch.gradient(k)                                       # along the rows (down) and the columns (right)
    structure = torch.stack([torch.stack([(gx * gx).sum(), (gx * gy).sum()]), torch.stack([(gx * gy).sum(), (gy * gy).sum()])])
    across = torch.linalg.eigh(structure)[1][:, -1]                  # the direction the brightness changes most
    angle = math.degrees(math.atan2(float(across[1]), float(across[0]))) % 180
    assert angle == pytest.approx(30, abs=1)                         # θ = 30° from the horizontal, across the stripes
