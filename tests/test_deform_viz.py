"""Chapter 15's sampling pictures agree with convlib.ops.deform_conv2d, and the widget explains bad settings in one line."""

from __future__ import annotations

import pytest
import torch

from convlib import ops
from convlib.viz.deform import PATTERNS, bilinear_read_weights, deform_scene, pattern_offsets, plot_sampling, sampling_points

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("kernel_size, dilation", [(3, 1), (3, 2), (5, 1)])
def test_read_weights_are_the_gradient_of_deform_conv2d_with_respect_to_the_input(pattern, kernel_size, dilation):
    size, row, col = 11, 1, 5
    offsets = pattern_offsets(kernel_size, dilation, pattern, 1.5)
    weights = torch.tensor(bilinear_read_weights(sampling_points(row, col, kernel_size, dilation, offsets), size, size))
    # One output pixel of a deformable conv with all-ones weights: d out / d input is the bilinear share of each pixel.
    pad = dilation * (kernel_size - 1) // 2
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    offset = torch.tensor(offsets, dtype=torch.float64).reshape(1, 2 * kernel_size**2, 1, 1)
    y = ops.deform_conv2d(x, offset.expand(1, -1, size, size).contiguous(), torch.ones(1, 1, kernel_size, kernel_size, dtype=torch.float64),
                          padding=pad, dilation=dilation)
    y[0, 0, row, col].backward()
    torch.testing.assert_close(x.grad[0, 0], weights.to(torch.float64))


def test_no_deformation_reads_each_regular_tap_once():
    scene = deform_scene(3, 2, "none", 1.0, "centre")
    assert [t for t in scene.grid("deformed").text if t] == ["1"] * 9
    assert scene.grid("regular").cells.count("k") == 9


def test_the_bent_grid_joins_neighbouring_samples_and_is_clipped_to_the_input():
    from convlib.viz.deform import MARK, SIZE

    k = 3
    links = deform_scene(k, 2, "none", 1.0, "centre").links      # nothing moved: the regular grid, all inside
    assert len(links) == 2 * k * (k - 1) + 2 * k * k              # right and lower neighbours, and a × per sample
    ends = {(l.a_row, l.a_col) for l in links if abs(abs(l.a_row - l.b_row) - 2 * MARK) > 1e-6}   # not a ×
    assert ends == {(SIZE // 2 + 2 * i, SIZE // 2 + 2 * j) for i in (-1, 0, 1) for j in (-1, 0, 1)} - {(SIZE // 2 + 2, SIZE // 2 + 2)}
    for scene in (deform_scene(5, 2, "scale up", 2, "corner"), deform_scene(3, 1, "shift", 2, "corner")):
        assert scene.links and all(-0.5 <= v <= SIZE - 0.5 for l in scene.links for v in (l.a_row, l.a_col, l.b_row, l.b_col))


def _contrast_with_black(rgb):
    """WCAG contrast ratio of black text on the sRGB colour ``rgb`` (components in 0..1)."""
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return (0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] + 0.05) / 0.05


def test_every_printed_weight_is_legible_and_fits_its_cell_at_every_widget_setting():
    import itertools

    import matplotlib.pyplot as plt

    from convlib.widgets.deform import deform_explorer_controls

    cmap = plt.get_cmap("RdBu_r")                      # convlib.viz._draw's heat map
    def browser(t):                                    # convlib/static/explorer.js's heat(): 247 -> (178, 24, 43)
        return [(a + (b - a) * t) / 255 for a, b in zip((247, 247, 247), (178, 24, 43))]
    controls = deform_explorer_controls()
    for values in itertools.product(*(c["options"] for c in controls)):
        try:
            grid = deform_scene(*values).grid("deformed")
        except ValueError:
            continue
        for fill, text in zip(grid.values, grid.text):
            if text:
                t = max(0.0, min(1.0, fill / grid.vmax))
                assert min(_contrast_with_black(cmap(0.5 + 0.5 * t)), _contrast_with_black(browser(t))) >= 4.5, (values, text)
                assert sum(ch.isdigit() for ch in text) <= 3 and len(text) <= 4, (values, text)


def test_heat_fill_grows_with_the_weight_and_printed_weights_round_sensibly():
    from convlib.viz.deform import cell_text, heat_fill

    assert heat_fill(0) == 0 < heat_fill(0.25) < heat_fill(1) < heat_fill(2) == heat_fill(19.36)
    assert [cell_text(w) for w in (0.001, 0.25, 0.999, 1.0, 1.27, 19.36)] == ["", ".25", "1", "1", "1.3", "19"]


def test_scaling_up_and_down_move_taps_away_from_and_towards_the_centre():
    up, down = pattern_offsets(3, 1, "scale up", 1.0), pattern_offsets(3, 1, "scale down", 1.0)
    assert up[0] == (-0.5, -0.5) and up[4] == (0.0, 0.0) and down[0][0] > 0


@pytest.mark.parametrize("strength", [0.5, 1, 2])
def test_the_rotate_title_gives_the_angle_the_taps_turn_by(strength):
    import math
    (dy, dx), (u, v) = pattern_offsets(3, 1, "rotate", strength)[2], (-1.0, 1.0)   # the top-right tap
    turned = math.degrees(math.atan2(u, v) - math.atan2(u + dy, v + dx))
    label = deform_scene(3, 1, "rotate", strength, "centre").grid("deformed").label
    assert label.startswith(f"rotate {abs(round(turned, 6)):g}°"), label


@pytest.mark.parametrize("kwargs, message", [
    (dict(pattern="twist"), "pattern must be one of"),
    (dict(pixel="edge"), "pixel must be"),
    (dict(kernel_size=7, dilation=2), "more than the 11-pixel input"),
])
def test_impossible_settings_raise_one_line_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message) as error:
        deform_scene(**kwargs)
    assert "\n" not in str(error.value)


def test_samples_beyond_the_border_say_how_many_regular_taps_were_outside_already():
    assert deform_scene(5, 2, "scale up", 2, "corner").lines[2] == "16 of 25 samples beyond the border (16 regular taps were out already)"
    assert deform_scene(3, 1, "shift", 1, "corner").lines[2] == "3 of 9 samples beyond the border"


def test_plot_sampling_frames_the_image_so_samples_leaving_it_show():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plot_sampling(ax, torch.zeros(6, 8), [(1, 1)], 3, lambda r, c: pattern_offsets(3, 1, "scale up", 2.0))
    (frame,) = ax.patches
    assert (frame.get_xy(), frame.get_width(), frame.get_height()) == ((-0.5, -0.5), 8, 6)
    assert not any(spine.get_visible() for spine in ax.spines.values())  # the border is the only frame
    plt.close(fig)


def test_plot_sampling_marker_scale_grows_the_markers_and_rejects_a_non_positive_scale():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2)
    plot_sampling(ax1, torch.zeros(6, 8), [(3, 3)], 3, lambda r, c: pattern_offsets(3))
    plot_sampling(ax2, torch.zeros(6, 8), [(3, 3)], 3, lambda r, c: pattern_offsets(3), marker_scale=2.0)
    assert [c.get_sizes()[0] * 2 for c in ax1.collections] == [c.get_sizes()[0] for c in ax2.collections]
    with pytest.raises(ValueError, match="marker_scale"):
        plot_sampling(ax1, torch.zeros(6, 8), [(3, 3)], 3, lambda r, c: pattern_offsets(3), marker_scale=0)
    plt.close(fig)
