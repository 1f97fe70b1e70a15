"""Chapter 12: the shuffle permutation, connectivity through two grouped layers, the ShuffleNet unit and its cost, scenes."""

from __future__ import annotations

import matplotlib
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlib import cost, ops
from convlib import shufflenet as sn
from convlib.viz import draw
from convlib.viz.shuffle import MIN_WIDTH, connectivity_scene, shuffle_scene
from convlib.widgets import RENDERS

matplotlib.use("Agg")


def _split_config():
    return st.integers(1, 6).flatmap(lambda g: st.tuples(st.just(g), st.integers(1, 5).map(lambda n: g * n)))


@settings(max_examples=60, deadline=None)
@given(config=_split_config())
def test_shuffle_permutation_is_what_channel_shuffle_does(config):
    groups, channels = config
    x = torch.arange(float(channels)).view(1, channels, 1)
    assert sn.shuffle_permutation(channels, groups) == ops.channel_shuffle(x, groups).flatten().int().tolist()
    assert sorted(sn.shuffle_permutation(channels, groups)) == list(range(channels))


def _brute_force_reach(channels: int, groups: int, shuffle: bool, output: int) -> list[int]:
    """Input channels with a non-zero gradient on ``output`` through two all-ones grouped 1×1 layers."""
    first = nn.Conv2d(channels, channels, 1, groups=groups, bias=False)
    second = nn.Conv2d(channels, channels, 1, groups=groups, bias=False)
    nn.init.ones_(first.weight)
    nn.init.ones_(second.weight)
    x = torch.ones(1, channels, 1, 1, dtype=torch.float64, requires_grad=True)
    y = first.double()(x)
    y = ops.channel_shuffle(y, groups) if shuffle else y
    second.double()(y)[0, output].sum().backward()
    return [i for i in range(channels) if x.grad[0, i, 0, 0] != 0]


@settings(max_examples=80, deadline=None)
@given(config=_split_config(), shuffle=st.booleans(), data=st.data())
def test_reachable_inputs_match_the_gradients_of_two_real_grouped_layers(config, shuffle, data):
    groups, channels = config
    output = data.draw(st.integers(0, channels - 1))
    assert sn.reachable_inputs(channels, groups, shuffle, output) == _brute_force_reach(channels, groups, shuffle, output)


@pytest.mark.parametrize("channels", [4, 6, 8, 9, 12, 16, 18])
def test_one_shuffle_reaches_every_input_exactly_when_there_are_at_least_g_squared_channels(channels):
    for groups in (g for g in range(1, channels + 1) if channels % g == 0):
        n = channels // groups
        seen = len(sn.reachable_inputs(channels, groups, True, 0))
        assert seen == min(n, groups) * n
        assert (seen == channels) == (channels >= groups * groups)
        assert len(sn.reachable_inputs(channels, groups, False, 0)) == n


def test_reach_matrix_rows_are_the_reachable_inputs():
    matrix = sn.reach_matrix(12, 4, True)
    assert [sum(row) for row in matrix] == [9] * 12
    assert matrix[5] == [int(i in sn.reachable_inputs(12, 4, True, 5)) for i in range(12)]


@pytest.mark.parametrize(("channels", "groups", "output", "argument"),
                         [(9, 2, 0, "groups"), (0, 1, 0, "channels"), (8, 2, 8, "output"), (8, 2, -1, "output")])
def test_reachable_inputs_rejects_impossible_settings_naming_the_argument(channels, groups, output, argument):
    with pytest.raises(ValueError, match=argument):
        sn.reachable_inputs(channels, groups, True, output)


@pytest.mark.parametrize(("c", "m", "g", "size"), [(240, 60, 3, 28), (400, 100, 2, 14), (144, 36, 1, 28), (384, 96, 8, 7)])
def test_counted_shufflenet_unit_matches_the_papers_formula(c, m, g, size):
    counted = cost.count(sn.ShuffleUnit(c, m, g), (1, c, size, size))
    assert counted.macs == sn.shuffle_unit_macs(c, m, g, size) == size * size * (2 * c * m // g + 9 * m)
    assert counted.params == sn.shuffle_unit_params(c, m, g) == 2 * c * m // g + 9 * m + 2 * (2 * m + c)
    bottleneck = cost.count(sn.Bottleneck(c, m), (1, c, size, size))
    assert bottleneck.macs == sn.bottleneck_macs(c, m, size) == size * size * (2 * c * m + 9 * m * m)
    assert bottleneck.params == sn.bottleneck_params(c, m) == 2 * c * m + 9 * m * m + 2 * (2 * m + c)


def test_shuffle_unit_keeps_the_shape_and_adds_its_input():
    unit = sn.ShuffleUnit(12, 6, 3).eval()
    x = torch.randn(2, 12, 5, 7)
    assert unit(x).shape == x.shape
    for layer in (unit.bn3,):
        nn.init.zeros_(layer.weight)  # the residual branch now outputs zero: the unit is ReLU(x)
    torch.testing.assert_close(unit(x), x.relu())
    assert sn.Bottleneck(12, 6)(x).shape == x.shape


def test_shuffle_unit_rejects_groups_that_do_not_divide_the_bottleneck():
    with pytest.raises(ValueError, match="bottleneck"):
        sn.ShuffleUnit(12, 5, 3)
    with pytest.raises(ValueError, match="channels"):
        sn.ShuffleUnit(10, 6, 3)


def test_connectivity_scene_highlights_what_the_output_sees_and_says_so_in_one_line():
    scene = connectivity_scene(12, 3, True, 5)
    inputs = [ch for ch in scene.grid("in").cells if ch != "."]
    assert inputs.count("k") == 12 and "x" not in inputs
    assert scene.lines[-1] == "output 5 sees 12 of 12 input channels"
    assert scene.lines[2] == "shuffled positions 4 to 7 hold layer-1 channels 5, 9, 2, 6"
    scene = connectivity_scene(12, 3, "off", 5)
    inputs = [ch for ch in scene.grid("in").cells if ch != "."]
    assert [i for i, ch in enumerate(inputs) if ch == "k"] == [4, 5, 6, 7]
    assert scene.lines[-1] == "output 5 sees 4 of 12 input channels"
    assert [ch for ch in scene.grid("l2").cells if ch != "."].index("o") == 5


def test_connectivity_scene_uses_correct_plurals():
    scene = connectivity_scene(4, 4, True, 0)
    assert scene.lines[0] == "4 channels in 4 groups of 1, shuffle on"
    assert scene.lines[1] == "output 0 reads 1 channel of layer 1, from 1 group"
    assert connectivity_scene(4, 1, False, 0).lines[0] == "4 channels in 1 group of 4, shuffle off"


@pytest.mark.parametrize(("values", "words"), [((9, 2, "on", 0), "groups must divide channels"),
                                               ((8, 2, "on", 8), "output channel 8 does not exist")])
def test_connectivity_scene_explains_impossible_settings_in_one_line(values, words):
    with pytest.raises(ValueError, match=words) as info:
        connectivity_scene(*values)
    assert "\n" not in str(info.value)


def _text_fits(scene) -> bool:  # type: ignore[no-untyped-def]
    fig = draw(scene)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    ax = fig.axes[0]
    ok = all(box.x0 - 1 <= t.get_window_extent(renderer).x0 and t.get_window_extent(renderer).x1 <= box.x1 + 1
             and ax.bbox.x0 - 1 <= t.get_window_extent(renderer).x0 and t.get_window_extent(renderer).x1 <= ax.bbox.x1 + 1
             for t in ax.texts)
    matplotlib.pyplot.close(fig)
    return ok


@pytest.mark.parametrize("values", [(4, 1, "on", 3), (4, 4, "off", 0), (12, 6, "on", 11), (12, 1, "off", 10), (8, 2, "on", 7)])
def test_every_text_of_the_connectivity_drawing_fits_inside_it(values):
    assert connectivity_scene(*values).size[0] >= MIN_WIDTH
    assert _text_fits(connectivity_scene(*values))


@pytest.mark.parametrize(("channels", "groups"), [(12, 3), (4, 2), (10, 5), (6, 1), (12, 12)])
def test_shuffle_scene_shows_the_shuffled_order_and_fits_its_text(channels, groups):
    scene = shuffle_scene(channels, groups)
    after = [t for t in scene.grid("after").text if t]
    assert after == [str(c) for c in sn.shuffle_permutation(channels, groups)]
    assert _text_fits(scene)


def test_shuffle_explorer_is_registered_with_at_most_a_thousand_states():
    render, controls = RENDERS["shuffle_explorer"]
    assert render is connectivity_scene
    total = 1
    for control in controls:
        total *= len(control["options"])
    assert total <= 1000


def test_connectivity_links_run_between_row_edges_and_names_sit_left_of_the_rows():
    scene = connectivity_scene(12, 3, True, 5)
    ends = {name for link in scene.links for name in (link.a, link.b)}
    assert ends <= {"l2_top", "l1_bottom", "l1_top", "in_bottom"}  # never a row's centre, where its numbers are
    for name in ("in", "l1", "l2"):
        label, row = scene.grid(f"{name}_name"), scene.grid(name)
        assert label.label and label.x + label.cols <= row.x  # the name is left of every link
