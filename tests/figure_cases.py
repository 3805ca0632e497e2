"""Every figure a page draws, as the page builds it: the one list the layout tests walk.

Why one list: the browser layout test (tests/e2e/test_figure_layout.py) must check every
figure on every page, every kind, 1D/2D/3D; a figure a page starts drawing must be checked
without anyone remembering to add it. :data:`PAGE_BUILDERS` names the lib builder every
page calls (tests/test_figure_cases.py fails when a page or ``lib.figures`` has a builder
this list does not cover), and :func:`figure_cases` builds each case from the page's own
default controls, changed only where the case says.

``slot`` is where the page puts the figure; :data:`SLOT_WIDTHS` is the width in CSS px
Streamlit gives that slot at each viewport (measured in the real app, asserted by
tests/e2e/test_figure_layout.py::test_slot_widths_match_the_real_app).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import plotly.graph_objects as go

from lib import figures
from lib.cell import figure_stage
from lib.compare import compare_kinds, compare_kwargs, results_by_kind
from lib.conv import KIND_INFO, KINDS, ConvError, analyze
from lib.figures.network import comparison_figure, layer_bars_figure
from lib.network import build_network, compare_with_standard, parse_net
from lib.network.presets import PRESETS
from lib.numeric import PROOFS, PROVE_IT_CONTROLS, config_from_values, prove
from lib.state import (COMPARE_CONTROLS, EXPLORER_CONTROLS, EXPLORER_FIGURE_CONTROLS,
                       SCALING_VARIES, WALKTHROUGH_CONTROLS, conv_kwargs, sweep_values)
from lib.walkthrough import STEPS, build_step

VIEWPORTS: dict[str, tuple[int, int]] = {
    "desktop": (1440, 900), "projector": (1024, 768), "phone": (390, 844)}

#: Width (CSS px) of each figure slot at each viewport, measured in the real app.
SLOT_WIDTHS: dict[str, dict[str, int]] = {
    "explorer": {"desktop": 556, "projector": 306, "phone": 358},
    "full": {"desktop": 980, "projector": 564, "phone": 358},
    "half": {"desktop": 482, "projector": 274, "phone": 358},
}

#: page -> the lib.figures builders it calls (names as imported by the page).
PAGE_BUILDERS: dict[str, tuple[str, ...]] = {
    "explorer": ("filter_iso_figure", "filter_tensor_figure", "volume_figure",
                 "sliding_window_frames",
                 "param_breakdown_figure", "scaling_figure"),
    "compare": ("compare_params_figure",),
    "walkthrough": tuple(s.figure for s in STEPS if s.figure),
    "prove_it": ("heatmap_grid",),
    "network": ("layer_bars_figure", "comparison_figure"),
}
#: Builders in lib.figures that no page draws (checked only by the unit tests).
UNUSED_BUILDERS = ("dilated_stack_figure", "sliding_window_figure")
#: Drawn by a page but not in the layout matrix yet: none.
NOT_YET_IN_MATRIX: tuple[str, ...] = ()

DIMS = ("1D", "2D", "3D")


@dataclass(frozen=True)
class FigureCase:
    """One figure as one page draws it: ``build()`` returns the go.Figure."""

    id: str
    page: str
    builder: str
    slot: str
    build: Callable[[], go.Figure]


def _explorer_values(**changes: object) -> dict[str, object]:
    values = {c.key: c.default for c in EXPLORER_CONTROLS + EXPLORER_FIGURE_CONTROLS}
    values.update(changes)
    return values


def _explorer_figure(builder: str, values: dict[str, object]) -> go.Figure:
    """What pages/explorer.py::_figure draws for ``builder`` with these control values."""
    kw = conv_kwargs(values)
    if builder == "scaling_figure":
        rank = DIMS.index(str(values["dims"])) + 1
        axes = ("D", "H", "W")[3 - rank:]
        varies = [v for v, (k, _) in SCALING_VARIES.items() if k in ("k", "c", "w") or k in axes]
        vary = str(values["vary"]) if values["vary"] in varies else varies[0]  # as the page
        key = SCALING_VARIES[vary][0]
        return figures.scaling_figure(kw, key, sweep_values(key, int(values[key])),
                                      int(values[key]))
    r = analyze(**kw)
    if builder in POSITION_BUILDERS:  # the page's sliders stop at the figure stage's output
        out = r.stages[figure_stage(r)].out_shape
        col = min(int(values["oc"]), out[-2] - 1)
        position = (min(int(values["or"]), out[0] - 1), col) if r.rank > 1 else (col,)
        return getattr(figures, builder)(r, position=position)
    return getattr(figures, builder)(r)


#: Extra explorer settings beyond the defaults: the long notes and truncations.
EXPLORER_EXTRAS: dict[str, dict[str, object]] = {
    "big": dict(k=64, c=64, w=7),
    "stride2": dict(s=2, w=3, H=9, W=9, d=2),
}


#: Builders that draw the output position (``or``/``oc``): drawn again at a late position,
#: where their kernel and window sit at the far edges (the corner is the default).
POSITION_BUILDERS = ("volume_figure", "sliding_window_frames")
LATE_POSITION = {"or": 20, "oc": 25}


def _explorer_cases() -> Iterator[FigureCase]:
    for builder in PAGE_BUILDERS["explorer"]:
        late = [("", {}), ("-late", LATE_POSITION)] if builder in POSITION_BUILDERS else [("", {})]
        for kind in KINDS:
            for dims in DIMS:
                for suffix, position in late:
                    values = _explorer_values(kind=kind, dims=dims, **position)
                    if kind == "grouped":
                        values.update(g=3, k=12)
                    try:
                        analyze(**conv_kwargs(values))
                    except ConvError:
                        continue  # the kind does not exist at this rank
                    yield FigureCase(f"explorer-{builder}-{kind}-{dims}{suffix}", "explorer",
                                     builder, "explorer",
                                     lambda b=builder, v=values: _explorer_figure(b, v))
        for name, extra in EXPLORER_EXTRAS.items():
            for dims in DIMS:
                values = _explorer_values(dims=dims, **extra)
                yield FigureCase(f"explorer-{builder}-{name}-{dims}", "explorer", builder,
                                 "explorer",
                                 lambda b=builder, v=values: _explorer_figure(b, v))
    for vary, (key, _) in SCALING_VARIES.items():
        values = _explorer_values(dims="3D" if key == "D" else "2D", vary=vary)
        if vary == "height":
            continue  # the default: already drawn for every kind above
        yield FigureCase(f"explorer-scaling_figure-vary-{vary}", "explorer",
                         "scaling_figure", "explorer",
                         lambda v=values: _explorer_figure("scaling_figure", v))


def _compare_cases() -> Iterator[FigureCase]:
    values = {c.key: c.default for c in COMPARE_CONTROLS}
    for dims in DIMS:
        for log in (False, True):
            v = {**values, "dims": dims}
            yield FigureCase(
                f"compare-{dims}-{'log' if log else 'linear'}", "compare",
                "compare_params_figure", "full",
                lambda v=v, log=log: figures.compare_params_figure(
                    results_by_kind(compare_kinds(**compare_kwargs(v))), log_scale=log))


def _walkthrough_cases() -> Iterator[FigureCase]:
    for spec in STEPS:
        if spec.figure:
            def build(spec=spec) -> go.Figure:
                step = build_step(spec.number,
                                  {c.key: c.default for c in WALKTHROUGH_CONTROLS})
                return getattr(figures, spec.figure)(step.result)
            yield FigureCase(f"walkthrough-step{spec.number}", "walkthrough", spec.figure,
                             "full", build)


def _prove_cases() -> Iterator[FigureCase]:
    defaults = {c.key: c.default for c in PROVE_IT_CONTROLS}
    for key in PROOFS:
        proof = prove(config_from_values({**defaults, "proof": key}))
        slots = [(t, f"in{n}", "full") for n, t in enumerate(proof.inputs)]
        slots += [(proof.left, "left", "half"), (proof.right, "right", "half")]
        slots += [(t, f"extra{n}", "full") for n, t in enumerate(proof.extras)]
        for t, name, slot in slots:
            if t.values.ndim > 2:
                yield FigureCase(f"prove_it-{key}-{name}", "prove_it", "heatmap_grid", slot,
                                 lambda t=t: figures.heatmap_grid(t.values, t.name))


def _network_cases() -> Iterator[FigureCase]:
    for key, preset in PRESETS.items():
        result = build_network(preset.spec.input_shape, preset.spec.layers)
        for metric in ("params", "macs"):
            yield FigureCase(f"network-{key}-bars-{metric}", "network", "layer_bars_figure",
                             "half", lambda r=result, m=metric: layer_bars_figure(r, m))
        cmp = compare_with_standard(result)
        if cmp is not None:
            for metric in ("params", "macs"):
                yield FigureCase(f"network-{key}-cmp-{metric}", "network",
                                 "comparison_figure", "half",
                                 lambda c=cmp, m=metric: comparison_figure(c, m))


def figure_cases() -> list[FigureCase]:
    """Every figure of every page (see the module docstring)."""
    return [*_explorer_cases(), *_compare_cases(), *_walkthrough_cases(), *_prove_cases(),
            *_network_cases()]


__all__ = ["DIMS", "FigureCase", "KIND_INFO", "PAGE_BUILDERS", "SLOT_WIDTHS", "VIEWPORTS",
           "figure_cases", "parse_net"]
