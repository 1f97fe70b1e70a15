"""Chapter 11: grouped connectivity, the block-diagonal weight and the grouped explorer."""

from __future__ import annotations

import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import ops
from convlib.cost import conv_params
from convlib.grouped import block_diagonal_weight, group_connectivity, group_of, groups_error
from convlib.viz import draw
from convlib.viz.grouped import grouped_scene
from convlib.widgets.grouped import grouped_explorer_controls

configs = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=40, deadline=None)
@given(configs)
def test_connectivity_lists_the_input_channels_whose_weights_reach_each_output(config) -> None:
    g, per_in, per_out, k = config
    c_in, c_out = g * per_in, g * per_out
    weight = torch.randn(c_out, per_in, k, k, dtype=torch.float64)
    x = torch.zeros(1, c_in, k, k, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(x, weight, groups=g)  # (1, C_out, 1, 1)
    for o, sees in enumerate(group_connectivity(c_in, c_out, g)):
        (grad,) = torch.autograd.grad(y[0, o].sum(), x, retain_graph=True)
        touched = [c for c in range(c_in) if grad[0, c].abs().sum() > 0]
        assert touched == sees
        assert len(sees) == per_in and all(group_of(c, c_in, g) == group_of(o, c_out, g) for c in sees)


@settings(max_examples=40, deadline=None)
@given(configs, st.integers(0, 2))
def test_block_diagonal_weight_as_a_dense_convolution_equals_the_grouped_one(config, batch) -> None:
    g, per_in, per_out, k = config
    c_in, c_out = g * per_in, g * per_out
    weight = torch.randn(c_out, per_in, k, k)
    dense = block_diagonal_weight(weight, g)  # (C_out, C_in·k·k)
    assert dense.shape == (c_out, c_in * k * k)
    assert int((dense != 0).sum()) == int((weight != 0).sum())  # g blocks, zeros elsewhere
    x = torch.randn(batch, c_in, k + 2, k + 3)
    expected = F.conv2d(x, weight, groups=g)
    torch.testing.assert_close(F.conv2d(x, dense.view(c_out, c_in, k, k)), expected)
    torch.testing.assert_close(ops.conv2d(x, weight, groups=g), expected, atol=1e-5, rtol=1e-5)


def test_block_diagonal_weight_passes_gradients_back_to_the_grouped_weight() -> None:
    weight = torch.randn(4, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda w: block_diagonal_weight(w, 4), (weight,))


def test_groups_error_names_the_count_that_groups_does_not_divide() -> None:
    assert groups_error(6, 8, 2) is None
    assert groups_error(6, 8, 3) == "groups=3 does not divide out_channels=8"
    assert groups_error(8, 6, 3) == "groups=3 does not divide in_channels=8"
    assert groups_error(6, 6, 4) == "groups=4 divides neither in_channels=6 nor out_channels=6"
    assert "groups" in groups_error(4, 4, 0)
    with pytest.raises(ValueError, match="does not divide out_channels=8"):
        group_connectivity(6, 8, 3)
    with pytest.raises(ValueError, match="groups"):
        block_diagonal_weight(torch.randn(8, 2, 3, 3), 3)
    with pytest.raises(ValueError, match="weight"):
        block_diagonal_weight(torch.randn(8, 2), 2)


def _every_setting():
    controls = grouped_explorer_controls()
    import itertools

    names = [c["name"] for c in controls]
    for combo in itertools.product(*(c["options"] for c in controls)):
        yield dict(zip(names, combo))


def test_grouped_scene_counts_parameters_and_draws_one_line_per_connection_at_every_setting() -> None:
    drawn = 0
    for values in _every_setting():
        c_in, c_out, g, k = values["in_channels"], values["out_channels"], values["groups"], values["kernel_size"]
        message = groups_error(c_in, c_out, g)
        if message:
            with pytest.raises(ValueError) as info:
                grouped_scene(**values)
            assert str(info.value) == message and "\n" not in message
            continue
        scene = grouped_scene(**values)
        assert len(scene.links) == c_out * c_in // g
        assert scene.grid("weight").cells.count("k") == c_out * c_in // g
        assert f"= {conv_params(c_in, c_out, k, groups=g):,} parameters" in scene.lines[2]
        assert not re.search(r"(?<![\d,])1 (weights|biases|groups|inputs|outputs|input channels)\b", " ".join(scene.lines))
        drawn += 1
    assert drawn > 100


def test_grouped_scene_labels_and_text_fit_inside_the_drawing() -> None:
    """Browser: 12 px labels, about 0.3 cell per character, centred on their grid, inside [-0.5, width + 0.5]."""
    for values in _every_setting():
        if groups_error(values["in_channels"], values["out_channels"], values["groups"]):
            continue
        scene = grouped_scene(**values)
        width, _ = scene.size
        for grid in scene.grids:
            half = 0.3 * len(grid.label) / 2
            centre = grid.x + grid.cols / 2
            assert centre - half >= -0.5 and centre + half <= width + 0.5, (values, grid.name)
            for text in grid.text or []:
                assert len(text) <= 2, (values, grid.name)  # fits a 26 px cell at 11 px


@pytest.mark.parametrize("values", [(1, 1, 1, 1), (12, 12, 1, 3), (12, 1, 1, 3), (1, 12, 1, 3), (12, 12, 12, 3)])
def test_grouped_figure_text_lines_fit_inside_the_matplotlib_figure(values) -> None:
    fig = draw(grouped_scene(*values))
    fig.canvas.draw()
    box = fig.bbox
    for text in fig.axes[0].texts:
        extent = text.get_window_extent()
        assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, (values, text.get_text())
    import matplotlib.pyplot as plt

    plt.close(fig)
