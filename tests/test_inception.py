"""Chapter 13: the Inception block's shapes, its costs by formula and by counting, torchvision's block, the scene."""

from __future__ import annotations

import sys

import matplotlib
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import cost
from convlib.inception import (
    InceptionBlock, concat_branches, inception_branch_costs, inception_macs, inception_out_channels, inception_params,
)
from convlib.viz.inception import BLOCKS, inception_scene
from convlib.widgets import RENDERS

matplotlib.use("Agg")

GOOGLENET_3A = (192, 64, 96, 128, 16, 32, 32)


def _torchvision_inception():  # type: ignore[no-untyped-def]
    torchvision = pytest.importorskip("torchvision")
    import torchvision.models  # noqa: F401

    return sys.modules["torchvision.models.googlenet"].Inception, torchvision


def test_block_3a_outputs_256_channels_at_the_input_size():
    block = InceptionBlock(*GOOGLENET_3A)
    y = block(torch.randn(2, 192, 28, 28))
    assert y.shape == (2, 256, 28, 28) and block.out_channels == 256 == inception_out_channels(*GOOGLENET_3A)


def test_naive_block_passes_the_input_channels_through_its_pooling_branch():
    block = InceptionBlock(*GOOGLENET_3A, reduce=False)
    x = torch.randn(1, 192, 9, 9)
    y = block(x)
    assert y.shape == (1, 64 + 128 + 32 + 192, 9, 9)
    torch.testing.assert_close(y[:, -192:], torch.nn.functional.max_pool2d(x, 3, 1, 1))


@settings(max_examples=25, deadline=None)
@given(c_in=st.integers(1, 6), widths=st.lists(st.integers(0, 4), min_size=6, max_size=6),
       h=st.integers(1, 9), w=st.integers(1, 9), reduce=st.booleans(), large=st.sampled_from([1, 3, 5, 7]))
def test_random_blocks_keep_h_w_and_output_the_sum_of_branch_widths_and_count_as_the_formula(c_in, widths, h, w,
                                                                                              reduce, large):
    ch1, red3, ch3, red5, ch5, pp = widths
    if reduce:
        red3, red5 = max(red3, 1), max(red5, 1)
    args = (c_in, ch1, red3, ch3, red5, ch5, pp)
    if not (ch1 or ch3 or ch5 or pp):
        with pytest.raises(ValueError, match="at least one branch"):
            InceptionBlock(*args, reduce=reduce, large_kernel_size=large)
        return
    block = InceptionBlock(*args, reduce=reduce, large_kernel_size=large)
    y = block(torch.randn(2, c_in, h, w))
    expected = ch1 + ch3 + ch5 + (pp if reduce else (c_in if pp else 0))
    assert y.shape == (2, expected, h, w) and block.out_channels == expected
    if h == w:
        counted = cost.count(block, (1, c_in, h, w))
        assert counted.params == inception_params(*args, reduce=reduce, large_kernel_size=large)
        assert counted.macs == inception_macs(*args, size=h, reduce=reduce, large_kernel_size=large)


def test_reductions_cut_3a_from_303_to_128_million_multiply_adds_as_counted():
    for reduce, params, macs in ((True, 163_696, 128_049_152), (False, 387_296, 303_464_448)):
        counted = cost.count(InceptionBlock(*GOOGLENET_3A, reduce=reduce), (1, 192, 28, 28))
        assert (counted.params, counted.macs) == (params, macs)
        assert inception_params(*GOOGLENET_3A, reduce=reduce) == params
        assert inception_macs(*GOOGLENET_3A, size=28, reduce=reduce) == macs


def test_block_equals_torchvision_inception_3a_in_parameters_and_multiply_adds():
    inception, _ = _torchvision_inception()
    theirs = cost.count(inception(*GOOGLENET_3A), (1, 192, 28, 28))
    ours = cost.count(InceptionBlock(*GOOGLENET_3A, large_kernel_size=3, bias=False, batch_norm=True), (1, 192, 28, 28))
    assert (ours.params, ours.macs) == (theirs.params, theirs.macs) == (155_872, 121_626_624)
    assert inception_params(*GOOGLENET_3A, large_kernel_size=3, bias=False, batch_norm=True) == theirs.params


def test_googlenet_counts_as_torchvision_publishes():
    _, torchvision = _torchvision_inception()
    net = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    counted = cost.count(net, (1, 3, 224, 224))
    assert counted.params == 6_624_904 and round(counted.macs / 1e9, 2) == 1.50


def test_concat_branches_stacks_channels_and_rejects_empty_or_mismatched_branches():
    x = torch.randn(2, 3, 5, 5)
    y = concat_branches(x, [lambda t: t, lambda t: 2 * t[:, :1]])
    assert y.shape == (2, 4, 5, 5)
    torch.testing.assert_close(y[:, 3:], 2 * x[:, :1])
    with pytest.raises(ValueError, match="^branches must hold at least one"):
        concat_branches(x, [])
    with pytest.raises(ValueError, match="^branches must keep the same"):
        concat_branches(x, [lambda t: t, lambda t: t[:, :, 1:]])


def test_block_handles_an_empty_batch_and_backpropagates_to_every_weight():
    block = InceptionBlock(4, 2, 2, 3, 1, 2, 2)
    x = torch.randn(0, 4, 6, 6)
    assert block(x).shape == (0, 9, 6, 6)
    x = torch.randn(2, 4, 6, 6, requires_grad=True)
    block(x).sum().backward()
    assert x.grad is not None and all(p.grad is not None for p in block.parameters())


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"in_channels": 0}, "^in_channels must be at least 1"),
    ({"ch1x1": -1}, "^ch1x1 must be a non-negative int"),
    ({"ch3x3red": 0}, "^ch3x3red must be at least 1 when the 3x3 branch is on"),
    ({"ch5x5red": 0}, "^ch5x5red must be at least 1 when the 5x5 branch is on"),
    ({"large_kernel_size": 4}, "^large_kernel_size must be a positive odd int"),
    ({"pool_proj": 1.5}, "^pool_proj must be a non-negative int"),
    ({"ch1x1": 0, "ch3x3": 0, "ch5x5": 0, "pool_proj": 0}, "at least one branch"),
])
def test_invalid_arguments_raise_value_error_naming_them(kwargs, words):
    args = dict(zip(["in_channels", "ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj"], GOOGLENET_3A))
    args.update(kwargs)
    with pytest.raises(ValueError, match=words):
        InceptionBlock(**args)


def test_size_below_one_is_rejected_by_the_cost_functions():
    with pytest.raises(ValueError, match="^size must be at least 1"):
        inception_branch_costs(*GOOGLENET_3A, size=0)


def _text_fits(scene) -> bool:  # type: ignore[no-untyped-def]
    from convlib.viz import draw

    fig = draw(scene)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    ok = all(fig.bbox.x0 - 1 <= t.get_window_extent(renderer).x0 and t.get_window_extent(renderer).x1 <= fig.bbox.x1 + 1
             for t in ax.texts)
    matplotlib.pyplot.close(fig)
    return ok


def test_every_widget_state_fits_its_text_and_states_channels_with_correct_plurals():
    render, controls = RENDERS["inception_explorer"]
    import itertools

    for combo in itertools.product(*(c["options"] for c in controls)):
        values = {c["name"]: v for c, v in zip(controls, combo)}
        on = [b for b in ("1x1", "3x3", "5x5", "pool") if values[f"branch_{b}"] == "on"]
        if not on:
            with pytest.raises(ValueError, match="every branch is off") as info:
                render(**values)
            assert "\n" not in str(info.value)
            continue
        scene = render(**values)
        c_in, ch1, _, ch3, _, ch5, pp, size = BLOCKS[values["block"]]
        reduce = values["reduction"] == "on"
        width = {"1x1": ch1, "3x3": ch3, "5x5": ch5, "pool": pp if reduce else c_in}
        total = sum(width[b] for b in on)
        assert f"= {total:,} channels" in scene.lines[1] or (len(on) == 1 and f"{total:,} channels" in scene.lines[1])
        assert scene.lines[0].startswith("1 branch on" if len(on) == 1 else f"{len(on)} branches on")
        for grid in scene.grids:
            half = 0.32 * len(grid.label) / 2
            centre = grid.x + grid.cols / 2
            assert centre - half >= -0.5 and centre + half <= scene.size[0] + 0.5, (values, grid.label)


@pytest.mark.parametrize("values", [{}, {"reduction": "off"}, {"block": "5b", "branch_1x1": "off"},
                                    {"branch_1x1": "off", "branch_3x3": "off", "branch_pool": "off"}])
def test_figure_text_fits_inside_the_matplotlib_figure(values):
    assert _text_fits(inception_scene(**values))


def _all_states():  # type: ignore[no-untyped-def]
    import itertools

    _, controls = RENDERS["inception_explorer"]
    for combo in itertools.product(*(c["options"] for c in controls)):
        values = {c["name"]: v for c, v in zip(controls, combo)}
        if any(values[f"branch_{b}"] == "on" for b in ("1x1", "3x3", "5x5", "pool")):
            yield values


def test_every_layer_caption_names_its_branchs_kernel_and_width():
    render, _ = RENDERS["inception_explorer"]
    for values in _all_states():
        scene = render(**values)
        c_in, ch1, ch3r, ch3, ch5r, ch5, pp, _ = BLOCKS[values["block"]]
        reduce = values["reduction"] == "on"
        expected = {
            "1x1": ["1×1 conv, %d" % ch1],
            "3x3": (["1×1 reduce, %d" % ch3r] if reduce else []) + ["3×3 conv, %d" % ch3],
            "5x5": (["1×1 reduce, %d" % ch5r] if reduce else []) + ["5×5 conv, %d" % ch5],
            "pool": ["3×3 max pool"] + (["1×1 proj, %d" % pp] if reduce else []),
        }
        for branch, captions in expected.items():
            drawn = [g.label for g in scene.grids if g.name.startswith(branch + "_")]
            assert drawn == (captions if values[f"branch_{branch}"] == "on" else []), (values, branch, drawn)


def test_no_line_crosses_a_drawn_row_or_its_caption():
    render, _ = RENDERS["inception_explorer"]
    for values in _all_states():
        scene = render(**values)
        rows = [g for g in scene.grids if set(g.cells) != {"."}]
        for link in scene.links:
            a, b = scene.grid(link.a), scene.grid(link.b)
            (x1, y1), (x2, y2) = (a.x + link.a_col + 0.5, a.y + 0.5), (b.x + link.b_col + 0.5, b.y + 0.5)
            for t in (i / 50 for i in range(51)):
                px, py = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
                for g in rows:
                    half = max(g.cols, 0.32 * len(g.label)) / 2
                    inside = abs(px - (g.x + g.cols / 2)) < half and g.y - (0.85 if g.label else 0) < py < g.y + 1
                    assert not inside, (values, link, g.name)


def test_output_caption_sits_below_the_output_row_without_touching_it():
    from convlib.viz._draw import LABEL_LINE, label_boxes

    render, _ = RENDERS["inception_explorer"]
    for values in _all_states():
        scene = render(**values)
        bottom = max(g.y + 1 for g in scene.grids if g.name.startswith("out_"))
        (base,) = [b for _, _, b, text in label_boxes(scene) if text.startswith("concatenated output")]
        assert base - 1.3 * LABEL_LINE >= bottom + 0.1, (values, base, bottom)  # labels may be drawn 1.3× the layout's


def test_edge_kernels_weigh_one_in_absolute_value_and_a_thin_line_answers_3x3_twice_as_strongly_as_5x5():
    import torch.nn.functional as F

    from convlib.viz.inception import edge_kernel, scale_responses

    for k in (3, 5, 7):
        w = edge_kernel(k)
        assert w.shape == (k, k) and abs(float(w.abs().sum()) - 1) < 1e-6 and abs(float(w.sum())) < 1e-6
        assert bool((w[:, k // 2] == 0).all())
    assert edge_kernel(1).tolist() == [[1.0]]
    line = torch.zeros(9, 9)
    line[:, 4] = 1.0
    peak = {k: F.conv2d(line[None, None], edge_kernel(k)[None, None]).max().item() for k in (3, 5)}
    assert peak == {3: 0.5, 5: 0.25}
    fig, responses = scale_responses(torch.rand(12, 10))
    assert {k: tuple(r.shape) for k, r in responses.items()} == {1: (12, 10), 3: (12, 10), 5: (12, 10)}
    assert len(fig.axes) == 3
    matplotlib.pyplot.close(fig)
    for bad in (0, 2, 4.0):
        with pytest.raises(ValueError, match="k must"):
            edge_kernel(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="image must"):
        scale_responses(torch.rand(1, 12, 10))
