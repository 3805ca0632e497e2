"""The classic animations of Dumoulin & Visin's conv_arithmetic, as one-click explorer links.

Every course reuses the GIFs of "A guide to convolution arithmetic for deep learning"
(github.com/vdumoulin/conv_arithmetic): one input channel, a 3×3 kernel, no bias, the
window sliding over a small grid. Each :class:`Preset` here is the explorer's state for
one of them (the sliding-window figure, position (0, 0)); :func:`preset_query` turns it
into the URL query of :mod:`lib.state`, so a preset is both a button and a link.

The shapes come from :func:`lib.conv.analyze`; ``tests/test_presets.py`` checks them
against the guide's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from lib.state import EXPLORER_CONTROLS, EXPLORER_VIEW_CONTROLS, to_query

#: The explorer page's URL path: app.py makes it the default page, served at the root.
EXPLORER_PATH = "/"

#: What every preset shares: one channel in, one filter, 3×3 kernel, no bias, the
#: sliding-window figure at the first output cell.
_BASE: dict[str, object] = {"kind": "standard", "dims": "2D", "k": 1, "w": 3, "c": 1,
                            "s": 1, "pad": "valid", "p": 0, "d": 1, "bias": False,
                            "fig": "window", "or": 0, "oc": 0}


@dataclass(frozen=True)
class Preset:
    """One conv_arithmetic animation: its name, what it shows, and the explorer values
    that differ from :data:`_BASE`."""

    key: str
    title: str
    what: str
    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def state(self) -> dict[str, object]:
        """Every explorer control this preset sets."""
        return {**_BASE, **self.values}


PRESETS: tuple[Preset, ...] = (
    Preset("no_padding", "No padding, unit strides",
           "4×4 input, 3×3 kernel, no padding, stride 1: the window fits 2×2 times.",
           {"H": 4, "W": 4}),
    Preset("half_padding", "Half (same) padding",
           "5×5 input, 3×3 kernel, 1 zero each side ('same'): the output keeps 5×5.",
           {"H": 5, "W": 5, "pad": "same"}),
    Preset("full_padding", "Full padding",
           "5×5 input, 3×3 kernel, 2 zeros each side: every input cell meets every "
           "kernel tap, 7×7 out.",
           {"H": 5, "W": 5, "pad": "explicit", "p": 2}),
    Preset("strided", "Strided",
           "5×5 input, 3×3 kernel, stride 2, no padding: the window jumps 2 cells, 2×2 out.",
           {"H": 5, "W": 5, "s": 2}),
    Preset("dilated", "Dilated",
           "7×7 input, 3×3 kernel with dilation 2 (it spans 5×5), no padding: 3×3 out.",
           {"H": 7, "W": 7, "d": 2}),
    Preset("transposed", "Transposed, stride 1",
           "2×2 input, 3×3 kernel, stride 1, no padding: the stride-1 view pads 2 zeros "
           "around the input, 4×4 out.",
           {"kind": "transposed", "H": 2, "W": 2}),
    Preset("transposed_strided", "Transposed, stride 2",
           "2×2 input, 3×3 kernel, stride 2, no padding: 1 zero between input cells and 2 "
           "around them, 5×5 out.",
           {"kind": "transposed", "H": 2, "W": 2, "s": 2}),
)
PRESET_BY_KEY: dict[str, Preset] = {p.key: p for p in PRESETS}

_CONTROLS = EXPLORER_CONTROLS + EXPLORER_VIEW_CONTROLS


def preset_query(preset: Preset) -> dict[str, str]:
    """The preset as the explorer's URL query (short ids, as ``lib.state.to_query``)."""
    query = to_query(preset.state, _CONTROLS)
    # the sliding-window figure and the explicit padding are not defaults: keep both
    query["fig"] = "window"
    return query


def preset_link(preset: Preset) -> str:
    """A relative link that opens the explorer on the preset."""
    return f"{EXPLORER_PATH}?{urlencode(preset_query(preset))}"


def matching_preset(values: Mapping[str, object]) -> Preset | None:
    """The preset the explorer shows right now (None when a control differs)."""
    for preset in PRESETS:
        state = preset.state
        if all(values.get(k) == v for k, v in state.items() if k not in ("or", "oc", "p")
               ) and (state["pad"] != "explicit" or values.get("p") == state["p"]):
            return preset
    return None
