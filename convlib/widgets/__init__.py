"""Widgets that are live in JupyterLab and still respond on the static website.

Every widget is an :class:`Explorer` wired to a pure render function from
:mod:`convlib.viz` (see ``_explorer.py`` for how the two places are served).
Each chapter's widgets live in a module named after the chapter's topic, and
:data:`RENDERS` lists every widget's render function with its controls, for
the tests and the latency benchmark.
"""

from collections.abc import Callable

from ..scene import Scene
from ..viz.arithmetic import conv_scene, receptive_field_scene
from ..viz.correlation import correlation_scene, multichannel_scene
from ..viz.depthwise_separable import depthwise_separable_scene, separable_ratio_scene
from ..viz.depthwise import depthwise_scene
from ..viz.deform import deform_scene
from ..viz.dilated import dilated_stack_scene
from ..viz.flattened import flattened_filter_scene, flattened_steps_scene
from ..viz.grouped import grouped_scene
from ..viz.inception import inception_scene
from ..viz.padding import padding_scene
from ..viz.pointwise import pointwise_scene
from ..viz.residual import residual_scene
from ..viz.se import se_scene
from ..viz.separable import low_rank_scene, separable_passes_scene
from ..viz.shuffle import connectivity_scene
from ..viz.transposed import checkerboard_scene, zero_insertion_scene
from ..viz.volumes import causal_stack_scene, volume_conv_scene
from ._explorer import Control, Explorer, safe_render, state_key, tabulate
from .arithmetic import (
    conv_explorer, conv_explorer_controls, padding_explorer, padding_explorer_controls,
    receptive_field_explorer, receptive_field_explorer_controls,
)
from .correlation import (
    correlation_explorer, correlation_explorer_controls, multichannel_explorer, multichannel_explorer_controls,
)
from .depthwise_separable import (
    depthwise_separable_explorer, depthwise_separable_explorer_controls, separable_ratio_explorer,
    separable_ratio_explorer_controls,
)
from .depthwise import depthwise_explorer, depthwise_explorer_controls
from .deform import deform_explorer, deform_explorer_controls
from .dilated import dilation_explorer, dilation_explorer_controls
from .flattened import (
    flattened_filter_explorer, flattened_filter_explorer_controls, flattened_steps_explorer,
    flattened_steps_explorer_controls,
)
from .grouped import grouped_explorer, grouped_explorer_controls
from .inception import inception_explorer, inception_explorer_controls
from .pointwise import pointwise_explorer, pointwise_explorer_controls
from .residual import residual_explorer, residual_explorer_controls
from .se import se_explorer, se_explorer_controls
from .separable import low_rank_explorer, low_rank_explorer_controls, separable_explorer, separable_explorer_controls
from .shuffle import shuffle_explorer, shuffle_explorer_controls
from .transposed import (
    checkerboard_explorer, checkerboard_explorer_controls, transposed_explorer, transposed_explorer_controls,
)
from .volumes import causal_stack_explorer, causal_stack_explorer_controls, volume_explorer, volume_explorer_controls

#: widget name -> (render function, controls); every widget of the book is listed here.
RENDERS: dict[str, tuple[Callable[..., Scene], list[Control]]] = {
    "correlation_explorer": (correlation_scene, correlation_explorer_controls()),
    "multichannel_explorer": (multichannel_scene, multichannel_explorer_controls()),
    "conv_explorer": (conv_scene, conv_explorer_controls()),
    "padding_explorer": (padding_scene, padding_explorer_controls()),
    "receptive_field_explorer": (receptive_field_scene, receptive_field_explorer_controls()),
    "transposed_explorer": (zero_insertion_scene, transposed_explorer_controls()),
    "checkerboard_explorer": (checkerboard_scene, checkerboard_explorer_controls()),
    "volume_explorer": (volume_conv_scene, volume_explorer_controls()),
    "causal_stack_explorer": (causal_stack_scene, causal_stack_explorer_controls()),
    "pointwise_explorer": (pointwise_scene, pointwise_explorer_controls()),
    "dilation_explorer": (dilated_stack_scene, dilation_explorer_controls()),
    "separable_explorer": (separable_passes_scene, separable_explorer_controls()),
    "low_rank_explorer": (low_rank_scene, low_rank_explorer_controls()),
    "flattened_filter_explorer": (flattened_filter_scene, flattened_filter_explorer_controls()),
    "flattened_steps_explorer": (flattened_steps_scene, flattened_steps_explorer_controls()),
    "shuffle_explorer": (connectivity_scene, shuffle_explorer_controls()),
    "depthwise_explorer": (depthwise_scene, depthwise_explorer_controls()),
    "depthwise_separable_explorer": (depthwise_separable_scene, depthwise_separable_explorer_controls()),
    "separable_ratio_explorer": (separable_ratio_scene, separable_ratio_explorer_controls()),
    "grouped_explorer": (grouped_scene, grouped_explorer_controls()),
    "inception_explorer": (inception_scene, inception_explorer_controls()),
    "deform_explorer": (deform_scene, deform_explorer_controls()),
    "residual_explorer": (residual_scene, residual_explorer_controls()),
    "se_explorer": (se_scene, se_explorer_controls()),
}

__all__ = [
    "Control", "Explorer", "safe_render", "state_key", "tabulate", "RENDERS",
    # chapter 01
    "correlation_explorer", "multichannel_explorer",
    # chapter 02
    "conv_explorer", "padding_explorer", "receptive_field_explorer",
    # chapter 03
    "volume_explorer", "causal_stack_explorer",
    # chapter 04
    "pointwise_explorer",
    # chapter 05
    "transposed_explorer", "checkerboard_explorer",
    # chapter 06
    "dilation_explorer",
    # chapter 07
    "separable_explorer", "low_rank_explorer",
    # chapter 08
    "flattened_filter_explorer", "flattened_steps_explorer",
    # chapter 09
    "depthwise_explorer",
    # chapter 10
    "depthwise_separable_explorer", "separable_ratio_explorer",
    # chapter 11
    "grouped_explorer",
    # chapter 12
    "shuffle_explorer",
    # chapter 13
    "inception_explorer",
    # chapter 14
    "residual_explorer",
    # chapter 15
    "deform_explorer",
    # chapter 16
    "se_explorer",
]
