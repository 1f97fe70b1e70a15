"""Diagrams drawn from a configuration.

Scene builders (``*_scene``, one module per chapter topic) turn a configuration
into a :class:`~convlib.scene.Scene`; :func:`draw` and :func:`draw_steps` draw a
scene with matplotlib. The widgets of :mod:`convlib.widgets` draw the very same
scenes in the browser, so a figure in the text and the widget next to it
cannot disagree.
"""

from ._draw import draw, draw_panels, draw_steps
from .correlation import KERNELS, correlation_scene, im2col_scene, image_kernel, multichannel_scene
from .arithmetic import conv_scene, output_size_formula
from .arithmetic import pool_scene, read_positions, receptive_field_scene
from .padding import PADDING_MODES, draw_padding_modes, padding_scene
from .transposed import checkerboard_scene, conv_matrix_scene, overlap_counts, overlap_summary, resize_conv_counts
from .transposed import transposed_output_size_formula, zero_insertion_scene
from .volumes import DILATIONS, VOLUME_MODES, causal_dilations, causal_stack_scene, volume_conv_scene
from .deform import bilinear_read_weights, deform_scene, pattern_offsets, plot_sampling, sampling_points
from .dilated import dilated_kernel_scene, dilated_path_counts, dilated_paths_scene, dilated_stack_scene

from .separable import format_value, low_rank_scene, plot_singular_values, separable_passes_scene
from .flattened import flattened_filter_scene, flattened_steps_scene, flattened_vs_separable_scene, plot_rank_errors
from .shuffle import connectivity_scene, shuffle_scene
from .depthwise import depthwise_scene, plot_roofline
from .pointwise import pointwise_scene
from .grouped import grouped_scene
from .depthwise_separable import depthwise_separable_scene, separable_ratio_scene
from .se import se_scene

__all__ = ["draw", "draw_steps", "draw_panels", "conv_scene", "output_size_formula"]
__all__ += ["pool_scene", "read_positions", "receptive_field_scene", "PADDING_MODES", "padding_scene", "draw_padding_modes"]
__all__ += ["KERNELS", "correlation_scene", "multichannel_scene", "im2col_scene", "image_kernel"]
__all__ += ["zero_insertion_scene", "conv_matrix_scene", "checkerboard_scene", "overlap_counts", "resize_conv_counts"]
__all__ += ["overlap_summary", "transposed_output_size_formula"]
__all__ += ["VOLUME_MODES", "DILATIONS", "volume_conv_scene", "causal_dilations", "causal_stack_scene"]
__all__ += ["dilated_path_counts", "dilated_kernel_scene", "dilated_paths_scene", "dilated_stack_scene"]
__all__ += ["separable_passes_scene", "low_rank_scene", "plot_singular_values", "format_value"]
__all__ += ["flattened_filter_scene", "flattened_steps_scene", "flattened_vs_separable_scene", "plot_rank_errors"]
__all__ += ["grouped_scene"]
__all__ += ["depthwise_separable_scene", "separable_ratio_scene"]
__all__ += ["pointwise_scene"]
__all__ += ["depthwise_scene", "plot_roofline"]
__all__ += ["shuffle_scene", "connectivity_scene"]
__all__ += ["pattern_offsets", "sampling_points", "bilinear_read_weights", "deform_scene", "plot_sampling"]
__all__ += ["se_scene"]
