"""Chapter 16: convlib's squeeze-and-excitation block equals torchvision's, and its costs add up."""

from __future__ import annotations

import itertools

import pytest
import torch
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import cost
from convlib.se import SqueezeExcitation, se_hidden, se_macs, se_params, squeeze_excitation
from convlib.viz.se import MAX_CELLS, overhead_cells, se_definition_scene, se_scene, se_widths
from convlib.widgets.se import se_explorer_controls


def _torchvision_twin(block: SqueezeExcitation) -> torchvision.ops.SqueezeExcitation:
    """torchvision's block (1×1 convolutions) holding the same numbers as ``block`` (linear layers)."""
    hidden = block.fc1.out_features
    tv = torchvision.ops.SqueezeExcitation(block.channels, hidden).to(block.fc1.weight.dtype)
    with torch.no_grad():
        tv.fc1.weight.copy_(block.fc1.weight[:, :, None, None])
        tv.fc1.bias.copy_(block.fc1.bias)
        tv.fc2.weight.copy_(block.fc2.weight[:, :, None, None])
        tv.fc2.bias.copy_(block.fc2.bias)
    return tv


@settings(max_examples=25, deadline=None)
@given(channels=st.integers(1, 40), reduction=st.integers(1, 8), n=st.integers(0, 3), h=st.integers(1, 6), w=st.integers(1, 6))
def test_module_equals_torchvision_squeeze_excitation_on_random_configurations(channels, reduction, n, h, w):
    if channels // reduction < 1:
        reduction = channels
    block = SqueezeExcitation(channels, reduction)
    x = torch.randn(n, channels, h, w)
    torch.testing.assert_close(block(x), _torchvision_twin(block)(x), atol=1e-5, rtol=1e-5)


def test_functional_equals_module_and_gradients_match_torchvision():
    block = SqueezeExcitation(32, 4).double()
    tv = _torchvision_twin(block)
    x = torch.randn(2, 32, 5, 3, dtype=torch.float64, requires_grad=True)
    y = squeeze_excitation(x, block.fc1.weight, block.fc1.bias, block.fc2.weight, block.fc2.bias)
    torch.testing.assert_close(y, block(x))
    g = torch.randn_like(y)
    (gx,) = torch.autograd.grad(y, x, g)
    (gx_tv,) = torch.autograd.grad(tv(x), x, g)
    torch.testing.assert_close(gx, gx_tv)


def test_gradcheck_in_float64():
    block = SqueezeExcitation(8, 2).double()
    x = torch.randn(2, 8, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(block, (x,))


def test_non_contiguous_input_and_batch_size_zero():
    block = SqueezeExcitation(16, 4)
    x = torch.randn(2, 5, 6, 16).permute(0, 3, 1, 2)  # (2, 16, 5, 6), not contiguous
    assert not x.is_contiguous()
    torch.testing.assert_close(block(x), block(x.contiguous()))
    assert block(torch.zeros(0, 16, 3, 3)).shape == (0, 16, 3, 3)


def test_excitation_weights_lie_in_zero_one_and_scale_whole_channels():
    block = SqueezeExcitation(16, 4)
    x = torch.randn(3, 16, 4, 4)
    s = block.excitation(x)
    assert s.shape == (3, 16) and bool(((s > 0) & (s < 1)).all())
    torch.testing.assert_close(block(x) / x, s[:, :, None, None].expand_as(x))


def test_parameter_count_formula_matches_counting_with_and_without_bias():
    for channels, reduction in [(64, 16), (256, 16), (2048, 16), (48, 5)]:
        for bias in (True, False):
            block = SqueezeExcitation(channels, reduction, bias=bias)
            assert se_params(channels, reduction, bias) == sum(p.numel() for p in block.parameters())
        counted = cost.count(SqueezeExcitation(channels, reduction), (1, channels, 7, 7))
        assert counted.macs == se_macs(channels, reduction, 7)["fc"]


@pytest.mark.parametrize("kwargs, word", [
    (dict(channels=16, reduction=32), "reduction 32 leaves 0 hidden units for 16 channels"),
    (dict(channels=0, reduction=4), "channels"),
    (dict(channels=16, reduction=0), "reduction"),
    (dict(channels=16, reduction=2.0), "reduction"),
])
def test_bad_arguments_raise_value_errors_that_name_them(kwargs, word):
    with pytest.raises(ValueError, match=word):
        SqueezeExcitation(**kwargs)
    with pytest.raises(ValueError, match=word):
        se_hidden(**kwargs)


def test_functional_rejects_mismatched_shapes_naming_the_weight():
    with pytest.raises(ValueError, match="fc1_weight"):
        squeeze_excitation(torch.zeros(1, 8, 2, 2), torch.zeros(2, 4), None, torch.zeros(8, 2), None)
    with pytest.raises(ValueError, match="fc2_weight"):
        squeeze_excitation(torch.zeros(1, 8, 2, 2), torch.zeros(2, 8), None, torch.zeros(4, 2), None)
    with pytest.raises(ValueError, match="x must have shape"):
        SqueezeExcitation(8, 2)(torch.zeros(1, 4, 2, 2))


def test_scene_states_the_cost_and_explains_an_impossible_reduction_in_one_line():
    scene = se_scene(channels=256, reduction=16, size=14)
    assert any(f"{se_params(256, 16):,}" in line for line in scene.lines)
    assert scene.grid("U").cols == 32 and scene.grid("h").cols == 2  # 1 cell = 8 channels: 256 and 16 to scale
    with pytest.raises(ValueError, match="leaves 0 hidden units"):
        se_scene(channels=16, reduction=32)


def test_scene_without_overhead_is_the_block_alone():
    scene = se_scene(channels=16, reduction=4, size=14, overhead=False)
    assert scene.lines == ["excite: FC 16→4, ReLU, FC 4→16, sigmoid (r = 4)"]  # no 3×3 conv the page has not met
    assert {g.name for g in scene.grids} == {"U", "z", "h", "s", "out", "frame"}


def _every_setting():
    controls = se_explorer_controls()
    for combo in itertools.product(*(c["options"] for c in controls)):
        yield {c["name"]: v for c, v in zip(controls, combo)}


def test_every_drawable_setting_draws_the_widths_to_scale_and_the_overhead_waffles():
    drawn = 0
    for values in _every_setting():
        c, r, size = values["channels"], values["reduction"], values["size"]
        if c // r < 1:
            continue
        scene = se_scene(**values)
        per_cell, cols_c, cols_h = se_widths(c, r)
        assert cols_c <= MAX_CELLS and cols_c * per_cell == c
        assert cols_h * r == cols_c, values  # powers of two: the hidden row is exactly 1/r of the others
        for name in ("U", "z", "s", "out"):
            assert scene.grid(name).cols == cols_c
        assert scene.grid("h").cols == cols_h
        macs = se_macs(c, r, size)
        shares = {"params": 100 * se_params(c, r) / cost.conv_params(c, c, 3, bias=False),
                  "macs": 100 * (macs["fc"] + macs["scale"]) / cost.conv_macs(c, c, 3, size)}
        for name, pct in shares.items():
            waffle = scene.grid(name)
            assert (waffle.rows, waffle.cols) == (10, 10)
            assert waffle.cells.count("k") == overhead_cells(pct) == round(pct), (values, name)
        drawn += 1
    assert drawn > 100


def test_more_reduction_never_draws_more_orange_and_a_bigger_map_never_more_multiply_add_share():
    for c in (16, 64, 256):
        orange = [se_scene(c, r, 14).grid("params").cells.count("k") for r in (1, 2, 4, 8, 16) if c // r >= 1]
        assert orange == sorted(orange, reverse=True) and orange[0] > orange[-1]
        share = [se_scene(c, 4, s).grid("macs").cells.count("k") for s in (7, 14, 28, 56)]
        assert share == sorted(share, reverse=True)


def test_labels_fit_inside_the_drawing_at_every_setting():
    """Browser: 12 px labels, about 0.3 cell per character, centred on their grid, inside [-0.5, width + 0.5]."""
    for values in _every_setting():
        if values["channels"] // values["reduction"] < 1:
            continue
        scene = se_scene(**values)
        width, _ = scene.size
        for grid in scene.grids:
            half = 0.3 * len(grid.label) / 2
            centre = grid.x + grid.cols / 2
            assert centre - half >= -0.5 and centre + half <= width + 0.5, (values, grid.name)


@pytest.mark.parametrize("values", [(4, 1, 7), (16, 4, 14), (256, 16, 56), (256, 32, 7)])
def test_figure_text_fits_inside_the_matplotlib_figure(values):
    import matplotlib.pyplot as plt

    from convlib.viz import draw

    for overhead in (True, False):
        fig = draw(se_scene(*values, overhead=overhead))
        fig.canvas.draw()
        box = fig.bbox
        for text in fig.axes[0].texts:
            extent = text.get_window_extent()
            assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, (values, text.get_text())
        plt.close(fig)


_TOY = dict(maps=[[[1., 3.], [5., 7.]], [[0., 0.], [0., 4.]], [[2., 2.], [2., 2.]], [[-1., 1.], [-3., 3.]]],
            w1=[[1., 0., 0., 0.], [0., 1., -1., 0.]], b1=[0., 0.],
            w2=[[1., 0.], [0., 1.], [-1., 0.], [0., -1.]], b2=[0., 0., 0., 0.])


def test_definition_scene_draws_the_squeeze_the_two_layers_and_outputs_shaded_by_their_weight():
    scene = se_definition_scene(**_TOY)
    u = torch.tensor(_TOY["maps"])
    block = SqueezeExcitation(4, 2)
    with torch.no_grad():
        for layer, w, b in ((block.fc1, "w1", "b1"), (block.fc2, "w2", "b2")):
            layer.weight.copy_(torch.tensor(_TOY[w]))
            layer.bias.copy_(torch.tensor(_TOY[b]))
        s = block.excitation(u[None])[0]
    for c in range(4):
        umap, out = scene.grid(f"u{c}"), scene.grid(f"o{c}")
        assert (umap.rows, umap.cols) == (out.rows, out.cols) == (2, 2)  # each channel is an H×W map
        z = scene.grid(f"z{c}")
        assert (z.rows, z.cols) == (1, 1) and float(z.text[0]) == pytest.approx(u[c].mean().item(), abs=0.05)
        assert umap.x <= z.x and z.x + 1 <= umap.x + umap.cols  # its one cell sits under its map
        assert out.values == [pytest.approx(s[c].item())] * 4  # every pixel shaded by the channel's weight
        assert scene.grid(f"s{c}").text == [f"{s[c].item():.2f}"]
    assert [scene.grid(f"h{j}").text[0] for j in range(2)] == ["4", "0"]  # relu(4), relu(1 - 2)
    assert [g.text for g in (scene.grid("o0"),)] == [["0.98", "2.9", "4.9", "6.9"]]
    funnels = [l for l in scene.links if l.a.startswith("f")]
    fc = [l for l in scene.links if l.colour == "#999999"]
    zero = [l for l in scene.links if l.colour == "#e4e4e4"]
    assert len(funnels) == 2 * 4 and len(fc) + len(zero) == 2 * 4 * 2  # two edges per map; C·C/r wires per FC layer
    assert len(zero) == 5 + 4  # the zero weights of W1 and W2 are drawn faint


@pytest.mark.parametrize("change, word", [
    (dict(maps=[[1., 2.]]), "maps must have shape"),
    (dict(w1=[[1., 0., 0.]]), "need w1"),
    (dict(maps=torch.zeros(9, 2, 2).tolist()), "at most 8 channels"),
])
def test_definition_scene_explains_bad_data_in_one_line(change, word):
    with pytest.raises(ValueError, match=word):
        se_definition_scene(**{**_TOY, **change})


def test_definition_figure_text_fits_inside_the_drawing():
    import matplotlib.pyplot as plt

    from convlib.viz import draw

    for maps in (_TOY["maps"], torch.full((4, 4, 4), -0.123).tolist()):
        fig = draw(se_definition_scene(**{**_TOY, "maps": maps}))
        fig.canvas.draw()
        box, renderer = fig.bbox, fig.canvas.get_renderer()
        ax = fig.axes[0]
        to_px = ax.transData.transform
        for text in ax.texts:
            extent = text.get_window_extent(renderer)
            assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, text.get_text()
        scene = se_definition_scene(**{**_TOY, "maps": maps})
        for grid in scene.grids:  # a number written in a cell fits its cell
            if not grid.text:
                continue
            (x0, _), (x1, _) = to_px((grid.x, 0)), to_px((grid.x + 1, 0))
            for label in grid.text:
                width = next(t for t in ax.texts if t.get_text() == label).get_window_extent(renderer).width
                assert width <= abs(x1 - x0), (grid.name, label)
        plt.close(fig)
