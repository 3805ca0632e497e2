"""Plotly figures for ConvScope: pure functions of a :class:`lib.conv.ConvResult`.

Every number drawn is read from the result (``r.stages``, ``r.params``, ...); no conv
formula lives here. Each figure records what it drew in ``fig.layout.meta``.
"""

from ._common import CLICK_TRACE, chart_config
from .filters import filter_tensor_figure
from .heatmaps import heatmap_grid
from .params import compare_params_figure, param_breakdown_figure, scaling_figure
from .sliding import sliding_window_figure, sliding_window_frames
from .stack import dilated_stack_figure
from .volume import volume_figure

__all__ = [
    "CLICK_TRACE",
    "chart_config",
    "compare_params_figure",
    "dilated_stack_figure",
    "filter_tensor_figure",
    "heatmap_grid",
    "param_breakdown_figure",
    "scaling_figure",
    "sliding_window_figure",
    "sliding_window_frames",
    "volume_figure",
]
