"""Chapter 08: rank-1 filter fits, the flattened operator against PyTorch, its costs, scenes and widgets."""

from __future__ import annotations

import re

import matplotlib
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_convnd
from torch import nn

matplotlib.use("Agg")

from convlib import cost, ops  # noqa: E402
from convlib import flattened as fl  # noqa: E402
from convlib import separable as sep  # noqa: E402
from convlib.arithmetic import conv_output_size  # noqa: E402
from convlib.ops.flattened import FlattenedConv2d, flattened_conv2d, flattened_weight  # noqa: E402
from convlib.viz.flattened import (  # noqa: E402
    flattened_filter_scene, flattened_steps_scene, flattened_vs_separable_scene, plot_rank_errors,
)
from convlib.widgets import RENDERS, safe_render, tabulate  # noqa: E402
from convlib.widgets.flattened import flattened_filter_explorer, flattened_steps_explorer  # noqa: E402


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _rel(x, approx):
    return float((x - approx).norm() / x.norm())


# --- fitting rank-1 terms -----------------------------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(st.integers(1, 8), st.integers(1, 6), st.integers(1, 6), st.floats(-50, 50).filter(lambda s: abs(s) > 1e-3),
       st.integers(0, 2**31 - 1))
def test_rank_one_factors_rebuild_every_rank_one_filter_exactly(c, kh, kw, scale, seed):
    gen = torch.Generator().manual_seed(seed)
    a, b, d = (torch.randn(n, generator=gen, dtype=torch.float64) for n in (c, kh, kw))
    w = scale * fl.cp_reconstruct(a, b, d)
    channel, vertical, horizontal = fl.rank_one_factors(w)
    assert channel.shape == (c,) and vertical.shape == (kh,) and horizontal.shape == (kw,)
    torch.testing.assert_close(fl.cp_reconstruct(channel, vertical, horizontal), w, atol=1e-10 * float(w.abs().max()), rtol=1e-9)
    torch.testing.assert_close(channel.norm(), vertical.norm())  # balanced
    torch.testing.assert_close(vertical.norm(), horizontal.norm())
    assert channel[channel.abs().argmax()] > 0 and vertical[vertical.abs().argmax()] > 0
    assert fl.relative_error(w, 1) < 1e-9


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_one_channel_filters_flatten_to_chapter_sevens_best_rank_one_kernel(kh, kw, seed):
    kernel = _randn(kh, kw, seed=seed)
    approx = fl.cp_reconstruct(*fl.rank_one_factors(kernel[None]))[0]
    torch.testing.assert_close(approx, sep.rank_k_approximation(kernel, 1), atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("shape, seed", [((c, k, k), s) for c in (2, 3, 8) for k in (3, 5) for s in range(4)])
def test_rank_one_fit_beats_random_outer_products_and_the_truncated_hosvd(shape, seed):
    w = _randn(*shape, seed=seed)
    best = fl.relative_error(w, 1)
    gen = torch.Generator().manual_seed(seed + 100)
    for _ in range(30):  # the best multiple of any other outer product is no closer
        other = fl.cp_reconstruct(*(torch.randn(n, generator=gen, dtype=torch.float64) for n in shape))
        assert _rel(w, (w * other).sum() / (other * other).sum() * other) >= best - 1e-12
    svd = lambda m: torch.linalg.svd(m, full_matrices=False)[0][:, 0]  # noqa: E731
    u = [svd(w.reshape(shape[0], -1)), svd(w.permute(1, 0, 2).reshape(shape[1], -1)), svd(w.permute(2, 0, 1).reshape(shape[2], -1))]
    hosvd = fl.cp_reconstruct(*u)
    assert _rel(w, (w * hosvd).sum() * hosvd) >= best - 1e-12


@pytest.mark.parametrize("name", fl.EXAMPLE_FILTERS)
@pytest.mark.parametrize("c, k", [(1, 3), (3, 3), (4, 5), (8, 3)])
def test_errors_never_grow_with_the_number_of_terms_and_match_the_reconstruction(name, c, k):
    w = fl.example_filter(name, c, k)
    top = min(fl.max_rank((c, k, k)), 5)
    errors = fl.rank_errors(w, top)
    assert all(later <= earlier + 1e-12 for earlier, later in zip(errors, errors[1:]))
    for r in range(1, top + 1):
        a, b, d = fl.cp_factors(w, r)
        assert a.shape == (c, r) and b.shape == (k, r) and d.shape == (k, r)
        assert _rel(w, fl.cp_reconstruct(a, b, d)) == pytest.approx(errors[r - 1], abs=1e-9)
    if name == "rank-1":
        assert errors[0] < 1e-9


@pytest.mark.parametrize("shape, rank, seed", [((4, 3, 3), 2, 0), ((5, 3, 4), 2, 1), ((6, 4, 4), 3, 2), ((3, 5, 5), 3, 3)])
def test_sums_of_few_random_terms_are_recovered_by_alternating_least_squares(shape, rank, seed):
    gen = torch.Generator().manual_seed(seed)
    factors = [torch.randn(n, rank, generator=gen, dtype=torch.float64) for n in shape]
    w = fl.cp_reconstruct(*factors)
    assert fl.relative_error(w, rank) < 1e-5
    assert fl.relative_error(w, rank - 1) > 1e-3  # one term fewer is not enough


def test_max_rank_is_the_slice_bound_and_more_terms_are_refused():
    assert fl.max_rank((1, 3, 3)) == 3 and fl.max_rank((3, 1, 1)) == 1 and fl.max_rank((8, 3, 3)) == 9
    assert fl.max_rank((2, 3, 3)) == 6 and fl.max_rank((1, 1, 1)) == 1
    with pytest.raises(ValueError, match=r"rank must be an int from 1 to 3 for a 1×3×3 filter"):
        fl.cp_factors(torch.randn(1, 3, 3), 4)
    assert fl.relative_error(_randn(1, 3, 3), 3) < 1e-9  # three terms rebuild any 1×3×3 filter


def test_zero_filter_flattens_to_zeros():
    a, b, d = fl.rank_one_factors(torch.zeros(3, 2, 2))
    assert not a.any() and not b.any() and not d.any()
    assert fl.relative_error(torch.zeros(2, 3, 3), 2) == 0.0


def test_flatten_weight_fits_each_filter_in_the_operators_layout():
    w = _randn(5, 3, 3, 2, seed=4).float()
    wc, wv, wh = fl.flatten_weight(w, 2)
    assert (wc.shape, wv.shape, wh.shape) == ((5, 2, 3), (5, 2, 3), (5, 2, 2)) and wc.dtype == torch.float32
    approx = flattened_weight(wc, wv, wh)
    for o in range(5):
        assert _rel(w[o].double(), approx[o].double()) == pytest.approx(fl.relative_error(w[o], 2), abs=1e-5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: fl.rank_one_factors(torch.randn(3, 3)), "filter must be a non-empty 3-D tensor"),
        (lambda: fl.rank_one_factors(torch.full((2, 2, 2), float("inf"))), "filter must hold finite numbers"),
        (lambda: fl.cp_factors(torch.randn(2, 3, 3), 0), "rank must be an int from 1 to 6"),
        (lambda: fl.flatten_weight(torch.randn(2, 3, 3)), "weight must be a 4-D tensor"),
        (lambda: fl.example_filter("box"), "name must be one of rank-1"),
        (lambda: fl.example_filter("edges", 0), "in_channels must be a positive int"),
        (lambda: fl.flattened_params(3, 4, 3, rank=0), "rank must be a positive int"),
        (lambda: fl.flattened_macs(3, 4, 9, 5), "kernel_size too large"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- costs --------------------------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3),
       st.integers(0, 2), st.integers(1, 2), st.integers(1, 2), st.integers(0, 4), st.booleans())
def test_formulas_agree_with_counting_the_module_and_the_full_layer(cin, cout, kh, kw, rank, p, s, d, extra, bias):
    h = w = max(1, d * (max(kh, kw) - 1) + 1 - 2 * p) + extra
    module = FlattenedConv2d(cin, cout, (kh, kw), s, p, d, bias=bias, rank=rank)
    counted = cost.count(module, (1, cin, h, w))
    assert [r.macs for r in counted.layers] == list(fl.flattened_macs(cin, cout, (kh, kw), (h, w), s, p, d, rank))
    assert counted.params == fl.flattened_params(cin, cout, (kh, kw), rank, bias) == cout * rank * (cin + kh + kw) + cout * bias
    full = cost.count(nn.Conv2d(cin, cout, (kh, kw), s, p, d, bias=bias), (1, cin, h, w))
    assert full.params == cost.conv_params(cin, cout, (kh, kw), bias=bias)
    oh, ow = conv_output_size(h, kh, s, p, d), conv_output_size(w, kw, s, p, d)
    assert full.macs == cost.conv_macs(cin, cout, (kh, kw), (oh, ow))


def test_same_padding_costs_c_plus_2k_per_output_pixel_and_filter_against_c_k_squared():
    c, f, k, n = 64, 128, 3, 28
    flat = sum(fl.flattened_macs(c, f, k, n, padding=1))
    assert flat == n * n * f * (c + 2 * k)
    assert cost.conv_macs(c, f, k, n) == n * n * f * c * k * k


# --- the operator against PyTorch --------------------------------------------------------------------------------

@st.composite
def flattened_configs(draw):
    cin, cout, rank = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kind = draw(st.sampled_from(["int", "tuple", "valid", "same"] if stride == (1, 1) else ["int", "tuple", "valid"]))
    padding = {"int": draw(st.integers(0, 2)), "tuple": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
               "valid": "valid", "same": "same"}[kind]
    size = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4)) for k, d in zip((kh, kw), dilation))
    two_d = rank == 1 and draw(st.booleans())  # one term may also be given as 2-D weights
    lead = (cout,) if two_d else (cout, rank)
    return dict(shape=(draw(st.integers(1, 2)), cin, *size), lead=lead, sizes=(cin, kh, kw), bias=draw(st.booleans()),
                kwargs=dict(stride=stride, padding=padding, dilation=dilation), seed=draw(st.integers(0, 2**31 - 1)))


def _tensors(cfg):
    gen = torch.Generator().manual_seed(cfg["seed"])
    x = torch.randn(cfg["shape"], generator=gen, dtype=torch.float64)
    ws = [torch.randn(*cfg["lead"], n, generator=gen, dtype=torch.float64) for n in cfg["sizes"]]
    b = torch.randn(cfg["lead"][0], generator=gen, dtype=torch.float64) if cfg["bias"] else None
    return [t.requires_grad_() if t is not None else None for t in (x, *ws, b)]


@settings(max_examples=150, deadline=None)
@given(flattened_configs())
def test_three_steps_equal_torch_conv2d_with_the_outer_product_weight_outputs_and_gradients(cfg):
    x, wc, wv, wh, b = _tensors(cfg)
    ours = flattened_conv2d(x, wc, wv, wh, b, **cfg["kwargs"])
    ref = F.conv2d(x, flattened_weight(wc, wv, wh), b, **cfg["kwargs"])
    torch.testing.assert_close(ours, ref)
    inputs = [t for t in (x, wc, wv, wh, b) if t is not None]
    grad = torch.randn(ref.shape, dtype=ref.dtype, generator=torch.Generator().manual_seed(cfg["seed"] + 1))
    for g_ours, g_ref in zip(torch.autograd.grad(ours, inputs, grad), torch.autograd.grad(ref, inputs, grad)):
        torch.testing.assert_close(g_ours, g_ref)


def test_outer_product_weight_is_the_sum_of_rank_one_volumes_and_matches_the_naive_loop():
    wc, wv, wh = _randn(2, 2, 3, seed=1), _randn(2, 2, 3, seed=2), _randn(2, 2, 2, seed=3)
    w = flattened_weight(wc, wv, wh)
    for o in range(2):
        torch.testing.assert_close(w[o], sum(fl.cp_reconstruct(wc[o, r], wv[o, r], wh[o, r]) for r in range(2)))
    x = _randn(1, 3, 6, 5, seed=4)
    torch.testing.assert_close(flattened_conv2d(x, wc, wv, wh, stride=(2, 1), padding=1), naive_convnd(x, w, stride=(2, 1), padding=1))


def test_flattened_conv2d_passes_gradcheck_in_float64():
    x = _randn(1, 2, 5, 6, seed=0).requires_grad_()
    wc, wv, wh = _randn(3, 2, 2, seed=1).requires_grad_(), _randn(3, 2, 3, seed=2).requires_grad_(), _randn(3, 2, 2, seed=3).requires_grad_()
    b = _randn(3, seed=4).requires_grad_()
    kwargs = dict(stride=(2, 1), padding=(1, 1), dilation=(1, 2))
    assert torch.autograd.gradcheck(lambda *t: flattened_conv2d(*t, **kwargs), (x, wc, wv, wh, b))


def test_batch_size_zero_gives_an_empty_batch_and_zero_weight_gradients():
    x = torch.randn(0, 2, 6, 6, requires_grad=True)
    wc, wv, wh = (torch.randn(4, n, requires_grad=True) for n in (2, 3, 3))
    y = flattened_conv2d(x, wc, wv, wh, padding=1)
    assert y.shape == (0, 4, 6, 6)
    y.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(wc.grad, torch.zeros_like(wc))


@pytest.mark.parametrize("make_view", [lambda t: t.transpose(2, 3), lambda t: t[:, ::2, 1:, ::2]], ids=["transposed", "sliced"])
def test_non_contiguous_inputs_and_weights_match_torch(make_view):
    x = make_view(_randn(2, 4, 9, 9, seed=0))
    wc = _randn(3, 2, 2 * x.shape[1], seed=1)[:, :, ::2]  # (3, 2, C), strided
    wv, wh = _randn(2, 3, 3, seed=2).transpose(0, 1), _randn(3, 2, 2, seed=3)
    assert not x.is_contiguous() and not wc.is_contiguous() and not wv.is_contiguous()
    ref = F.conv2d(x, flattened_weight(wc, wv, wh), stride=2, padding=1)
    torch.testing.assert_close(flattened_conv2d(x, wc, wv, wh, stride=2, padding=1), ref)


def test_unbatched_input_matches_torch():
    x, wc, wv, wh, b = _randn(2, 6, 5, seed=0), _randn(3, 2, seed=1), _randn(3, 3, seed=2), _randn(3, 2, seed=3), _randn(3, seed=4)
    torch.testing.assert_close(flattened_conv2d(x, wc, wv, wh, b, padding=1), F.conv2d(x, flattened_weight(wc, wv, wh), b, padding=1))


@pytest.mark.parametrize(
    "args, message",
    [
        ((torch.randn(2, 3), torch.randn(2, 3)), "missing"),
        ((torch.randn(2, 3), torch.randn(2, 3), torch.randn(2, 1, 3)), "must all be 2-D"),
        ((torch.randn(2, 3), torch.randn(3, 3), torch.randn(2, 3)), "same \\(C_out, R\\) leading sizes"),
        ((torch.randn(2, 4), torch.randn(2, 3), torch.randn(2, 3)), "weight_channel must have one entry per input channel"),
        ((torch.randn(2, 3, 1, 1), torch.randn(2, 3), torch.randn(2, 3)), "weight_channel must be a non-empty 2-D"),
        ((torch.randn(2, 3), torch.randn(2, 0), torch.randn(2, 3)), "weight_vertical must be a non-empty"),
        (("a", torch.randn(2, 3), torch.randn(2, 3)), "weight_channel must be a torch.Tensor"),
        ((torch.randn(2, 3), torch.randn(2, 3).double(), torch.randn(2, 3)), "weight_vertical must have weight_channel's dtype"),
        ((torch.randn(2, 3), torch.randn(2, 3), torch.randn(2, 3), torch.randn(3)), "bias must be a 1-D tensor of C_out = 2"),
        ((torch.randn(2, 3), torch.randn(2, 9), torch.randn(2, 3)), "kernel"),
        ((torch.randn(2, 3), torch.randn(2, 3), torch.randn(2, 3), None, 2, "same"), "padding"),
        ((torch.randn(2, 3), torch.randn(2, 3), torch.randn(2, 3), None, 0), "stride"),
    ],
)
def test_impossible_arguments_raise_value_errors_naming_the_argument(args, message):
    if message == "missing":
        with pytest.raises(TypeError):
            flattened_conv2d(torch.randn(1, 3, 5, 5), *args)
        return
    with pytest.raises(ValueError, match=message):
        flattened_conv2d(torch.randn(1, 3, 5, 5), *args)


# --- the module ---------------------------------------------------------------------------------------------------

def test_module_runs_the_functional_and_equals_torch_with_its_full_weight():
    torch.manual_seed(0)
    module = FlattenedConv2d(4, 6, (3, 5), stride=(1, 2), padding=(1, 2), dilation=(2, 1), rank=2)
    with torch.no_grad():
        module.bias.normal_()
    x = torch.randn(2, 4, 9, 10)
    ref = F.conv2d(x, module.weight, module.bias, stride=(1, 2), padding=(1, 2), dilation=(2, 1))
    torch.testing.assert_close(module(x), ref)
    torch.testing.assert_close(module(x), flattened_conv2d(x, *module.factors(), module.bias, (1, 2), (1, 2), (2, 1)))
    assert isinstance(module.channel, ops.Conv2d) and isinstance(module.spatial, ops.SpatiallySeparableConv2d)
    assert sum(p.numel() for p in module.parameters()) == fl.flattened_params(4, 6, (3, 5), rank=2)
    with pytest.raises(ValueError, match="rank must be a positive int"):
        FlattenedConv2d(4, 6, 3, rank=0)


def test_from_conv_reproduces_a_layer_of_rank_one_filters_exactly_and_approximates_others():
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1).double()
    with torch.no_grad():
        conv.weight.copy_(torch.einsum("oc,oh,ow->ochw", _randn(4, 3, seed=1), _randn(4, 3, seed=2), _randn(4, 3, seed=3)))
    x = _randn(2, 3, 9, 9, seed=5)
    flat = FlattenedConv2d.from_conv(conv)
    torch.testing.assert_close(flat(x), conv(x))
    general = nn.Conv2d(3, 4, 3, padding="same", bias=False).double()
    for rank in (1, 2):
        layer = FlattenedConv2d.from_conv(general, rank)
        assert layer.bias is None
        torch.testing.assert_close(layer(x), F.conv2d(x, layer.weight, padding="same"))
        errors = [fl.relative_error(f, rank) for f in general.weight.detach()]
        assert [_rel(f, g) for f, g in zip(general.weight.detach(), layer.weight.detach())] == pytest.approx(errors, abs=1e-9)
    with pytest.raises(ValueError, match="groups=1"):
        FlattenedConv2d.from_conv(nn.Conv2d(4, 4, 3, groups=2))


def test_flattened_layer_is_a_pointwise_then_a_depthwise_convolution_with_rank_one_kernels():
    wc, wv, wh = _randn(5, 3, seed=1), _randn(5, 3, seed=2), _randn(5, 3, seed=3)
    x = _randn(1, 3, 7, 7, seed=4)
    pointwise = F.conv2d(x, wc[:, :, None, None])  # (1, 5, 7, 7)
    depthwise = F.conv2d(pointwise, torch.einsum("oh,ow->ohw", wv, wh)[:, None], padding=1, groups=5)
    torch.testing.assert_close(flattened_conv2d(x, wc, wv, wh, padding=1), depthwise)


# --- scenes and widgets -------------------------------------------------------------------------------------------

def _numbers(line: str) -> list[int]:
    return [int(n) for n in re.findall(r"(?<![\d.])\d+(?![\d.])", line.replace("·", " "))]


@pytest.mark.parametrize("name", fl.EXAMPLE_FILTERS)
@pytest.mark.parametrize("c, k, rank", [(1, 3, 1), (3, 3, 2), (4, 5, 3), (8, 3, 4), (2, 1, 1)])
def test_filter_scene_shows_the_fit_its_error_and_the_weight_counts(name, c, k, rank):
    scene = flattened_filter_scene(name, c, k, rank)
    w = fl.example_filter(name, c, k)
    a, b, d = fl.cp_factors(w, rank)
    approx = fl.cp_reconstruct(a, b, d)
    assert (scene.grid("channel").rows, scene.grid("channel").cols) == (c, rank)
    assert (scene.grid("vertical").rows, scene.grid("horizontal").cols) == (k, k)
    for i in range(c):
        torch.testing.assert_close(torch.tensor(scene.grid(f"W{i}").values, dtype=torch.float64).view(k, k), w[i], atol=6e-4, rtol=0)
        torch.testing.assert_close(torch.tensor(scene.grid(f"R{i}").values, dtype=torch.float64).view(k, k), approx[i], atol=6e-4, rtol=0)
        torch.testing.assert_close(torch.tensor(scene.grid(f"E{i}").values, dtype=torch.float64).view(k, k), (w - approx)[i], atol=6e-4, rtol=0)
    assert _numbers(scene.lines[0])[-1] == cost.conv_params(c, 1, k, bias=False)
    assert _numbers(scene.lines[1])[-1] == fl.flattened_params(c, 1, k, rank, bias=False)
    assert f"= {fl.rank_errors(w, rank)[-1]:.3f}" in scene.lines[3]


@pytest.mark.parametrize("values", [dict(filter="edges", in_channels=1, kernel_size=1, rank=2),
                                    dict(filter="random", in_channels=1, kernel_size=3, rank=4),
                                    dict(filter="plaid", in_channels=3, kernel_size=3, rank=1),
                                    dict(filter="edges", in_channels=9, kernel_size=3, rank=1)])
def test_impossible_filter_settings_give_a_one_line_error_scene(values):
    scene = safe_render(flattened_filter_scene, values)
    assert set(scene) == {"error"} and "\n" not in scene["error"]
    assert scene["error"].split()[0] in values


@pytest.mark.parametrize("size, c, k, p, s", [(n, c, k, p, s) for n in (4, 5, 7) for c in (1, 3) for k in range(1, 6)
                                              for p in range(3) for s in (1, 2)])
def test_steps_scene_grids_have_the_shapes_torch_computes_and_count_the_multiplications(size, c, k, p, s):
    x = torch.randn(1, c, size, size)
    try:
        scene = flattened_steps_scene(size, c, k, p, s)
    except ValueError as exc:
        with pytest.raises(RuntimeError):
            F.conv2d(x, torch.randn(1, c, k, k), stride=s, padding=p)
        assert "\n" not in str(exc)
        return
    module = FlattenedConv2d(c, 1, k, s, p)
    mixed = module.channel(x)
    vertical = module.spatial.column(mixed)
    out = module.spatial.row(vertical)
    assert out.shape == F.conv2d(x, torch.randn(1, c, k, k), stride=s, padding=p).shape
    assert sum(g.name.startswith("x") for g in scene.grids) == c
    assert (scene.grid("mixed").rows - 2 * p, scene.grid("mixed").cols) == tuple(mixed.shape[2:])
    assert (scene.grid("vertical_real").rows, scene.grid("vertical_real").cols) == tuple(vertical.shape[2:])
    assert (scene.grid("vertical").cols - 2 * p, scene.grid("output").rows, scene.grid("output").cols) == (size, *out.shape[2:])
    assert [w.frames for w in scene.windows] == [vertical[0, 0].numel(), out[0, 0].numel()]
    counted = [r.macs for r in cost.count(module, (1, c, size, size)).layers]
    assert [_numbers(line)[-1] for line in scene.lines[:3]] == counted
    assert _numbers(scene.lines[3])[-1] == cost.count(nn.Conv2d(c, 1, k, s, p), (1, c, size, size)).macs


def test_steps_scene_of_a_three_channel_five_by_five_input():
    lines = flattened_steps_scene(5, 3, 3, 1, 1).lines
    assert lines[3] == "flattened 75 + 75 + 75 = 225  vs  full 3×3×3 filter: 5·5·27 = 675"


def test_widgets_are_registered_small_enough_and_render_every_state():
    for name, factory in (("flattened_filter_explorer", flattened_filter_explorer), ("flattened_steps_explorer", flattened_steps_explorer)):
        render, controls = RENDERS[name]
        assert factory()._render is render
        table = tabulate(render, controls)
        total = 1
        for control in controls:
            total *= len(control["options"])
        assert len(table) == total <= 1000
        errors = [s for s in table.values() if "error" in s]
        assert len(errors) < total / 2 and all("\n" not in s["error"] for s in errors)


def test_rank_error_plot_draws_one_line_per_filter():
    fig = plot_rank_errors({"a": [0.5, 0.2, 0.0], "b": [0.9, 0.8]}, title="t")
    ax = fig.axes[0]
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [[0.5, 0.2, 0.0], [0.9, 0.8]]
    assert ax.get_title() == "t"


@pytest.mark.parametrize("ci, co, k", [(3, 2, 3), (1, 1, 2), (4, 4, 4), (2, 3, 3)])
def test_comparison_scene_gives_outputs_rank_one_kernels_and_inputs_kernels_of_their_computed_rank(ci, co, k):
    scene = flattened_vs_separable_scene(in_channels=ci, out_channels=co, kernel_size=k)
    kernels = {g.name: g for g in scene.grids if g.values is not None}
    assert sorted(kernels) == sorted([f"fker{o}" for o in range(co)] + [f"dker{c}" for c in range(ci)])
    for name, grid in kernels.items():
        rank = int(torch.linalg.matrix_rank(torch.tensor(grid.values).view(k, k)))
        assert grid.label.endswith(f"rank {rank}")
        if name.startswith("fker"):
            assert rank == 1  # the flattened layer's kernel belongs to an output channel and is v hᵀ
    # every input feeds every output channel's mix (top) and every filtered map feeds every output (bottom)
    mixes = [(link.a, link.b) for link in scene.links if link.colour == "#7a5fb5"]
    assert len(mixes) == 2 * ci * co
    assert f"flattened {co}·({ci} + {k} + {k}) = {co * (ci + 2 * k)}" in scene.lines[-1]
    assert f"full {co * ci * k * k}" in scene.lines[-1]


@pytest.mark.parametrize("kwargs, name", [({"in_channels": 0}, "in_channels"), ({"out_channels": 5}, "out_channels"),
                                          ({"kernel_size": 1}, "kernel_size")])
def test_comparison_scene_refuses_sizes_out_of_range_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        flattened_vs_separable_scene(**kwargs)
