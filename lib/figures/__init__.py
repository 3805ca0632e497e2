"""Plotly figures for ConvScope: pure functions of a :class:`lib.conv.ConvResult`.

Every number drawn is read from the result (``r.stages``, ``r.params``, ...); no conv
formula lives here. Each figure records what it drew in ``fig.layout.meta``.

The builders are imported on first use (PEP 562 ``__getattr__``): a page that draws one
figure does not pay for importing the others when the server starts.
"""

from __future__ import annotations

import importlib

#: public name -> the module of this package that defines it
_WHERE = {
    "CLICK_TRACE": "_common",
    "chart_config": "_common",
    "compare_params_figure": "params",
    "dilated_stack_figure": "stack",
    "filter_iso_figure": "filters_iso",
    "filter_tensor_figure": "filters",
    "heatmap_grid": "heatmaps",
    "param_breakdown_figure": "params",
    "scaling_figure": "params",
    "sliding_window_figure": "sliding",
    "sliding_window_frames": "sliding",
    "volume_figure": "volume",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
