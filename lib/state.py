"""Page state <-> URL query string, with clear messages for anything we had to change.

A teacher's link must reopen exactly the same view, and a hand-edited or garbled link must
never crash a page. ``parse_query`` turns raw query parameters into valid control values and
a list of human-readable warnings (which value was changed, to what, and why);
``to_query`` writes the values back as a short, readable query string (core values always,
the rest only when they differ from the default).

Nothing here renders anything: the pages show the warnings with ``st.warning`` (plain text,
never HTML), so a value typed into the URL is never interpreted as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lib.conv import KINDS, ConvError, ConvResult, analyze

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
#: Longest URL value we echo back in a warning (the rest is cut off).
_ECHO_CHARS = 24


@dataclass(frozen=True)
class Control:
    """One control: its URL key, type, default and allowed range (or choices)."""

    key: str
    label: str
    default: object
    low: int = 0
    high: int = 0
    choices: tuple[str, ...] = ()
    is_bool: bool = False
    always_in_url: bool = False

    def clamp(self, value: int) -> int:
        return min(max(value, self.low), self.high)


def _echo(raw: str) -> str:
    """A URL value made safe and short enough to quote in a warning.

    Pages show warnings as Markdown, so the value goes into a code span: nothing in it
    (links, images, emphasis, HTML, LaTeX) is interpreted. Backticks, which would end the
    span, and control characters become '?'.
    """
    text = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in raw)
    text = text if len(text) <= _ECHO_CHARS else text[:_ECHO_CHARS] + "…"
    return f"`{text}`" if text.strip() else "(empty)"


def _last(raw: object) -> str:
    """Streamlit gives the last of repeated keys; plain dicts may hold lists."""
    if isinstance(raw, (list, tuple)):
        return str(raw[-1]) if raw else ""
    return str(raw)


def parse_value(control: Control, raw: str) -> tuple[object, str | None]:
    """One URL value -> (valid value, warning or None)."""
    text = raw.strip()
    name = control.key
    if control.choices:
        if text in control.choices:
            return text, None
        lowered = text.lower()
        for choice in control.choices:
            if choice.lower() == lowered:
                return choice, None
        return control.default, (f"{name}={_echo(raw)} is not one of "
                                  f"{', '.join(control.choices)}; using {control.default}.")
    if control.is_bool:
        if text.lower() in _TRUE:
            return True, None
        if text.lower() in _FALSE:
            return False, None
        shown = "on" if control.default else "off"
        return control.default, f"{name}={_echo(raw)} is not on/off (1 or 0); using {shown}."
    try:
        number = int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            return control.default, (f"{name}={_echo(raw)} is not a whole number; "
                                     f"using the default {control.default}.")
        if as_float != as_float or as_float in (float("inf"), float("-inf")):
            return control.default, (f"{name}={_echo(raw)} is not a whole number; "
                                     f"using the default {control.default}.")
        number = control.clamp(int(as_float))  # truncate, as Streamlit's URL binding does
        return number, f"{name}={_echo(raw)} is not a whole number; using {number}."
    if number < control.low:
        return control.low, f"{name}={number} is below the minimum {control.low}; using {control.low}."
    if number > control.high:
        return control.high, f"{name}={number} is above the maximum {control.high}; using {control.high}."
    return number, None


def parse_query(query: Mapping[str, object], controls: Sequence[Control]
                ) -> tuple[dict[str, object], list[str]]:
    """Raw query parameters -> ({key: valid value} for every control, warnings).

    Missing keys take the default silently; unknown keys are ignored.
    """
    values: dict[str, object] = {}
    warnings: list[str] = []
    for control in controls:
        if control.key in query:
            value, warning = parse_value(control, _last(query[control.key]))
            if warning:
                warnings.append(warning)
        else:
            value = control.default
        values[control.key] = value
    return values, warnings


def to_query(values: Mapping[str, object], controls: Sequence[Control]) -> dict[str, str]:
    """Values -> a short query dict: core controls always, others only when not default."""
    out: dict[str, str] = {}
    for control in controls:
        value = values.get(control.key, control.default)
        if control.always_in_url or value != control.default:
            out[control.key] = ("1" if value else "0") if control.is_bool else str(value)
    return out


# ---------------------------------------------------------------------------
# The explorer's controls (also used by the compare and walkthrough pages)
# ---------------------------------------------------------------------------

PADDING_MODES = ("valid", "same", "explicit", "causal")
#: Spatial ranks: 1D sequences (audio, text), 2D images, 3D volumes (video, CT).
DIMS = ("1D", "2D", "3D")

#: Slider limits of the UI (lib.conv.LIMITS are wider; these keep every page fast).
EXPLORER_CONTROLS: tuple[Control, ...] = (
    Control("kind", "Conv kind", "standard", choices=KINDS, always_in_url=True),
    Control("dims", "Input type", "2D", choices=DIMS),
    Control("k", "k — filters (output channels)", 10, 1, 512, always_in_url=True),
    Control("w", "w — kernel size", 4, 1, 11, always_in_url=True),
    Control("rect", "Separate kernel height and width", False, is_bool=True),
    Control("kd", "kd — kernel depth", 3, 1, 11),
    Control("kh", "kh — kernel height", 4, 1, 11),
    Control("kw", "kw — kernel width", 4, 1, 11),
    Control("c", "c — input channels", 3, 1, 512, always_in_url=True),
    Control("D", "D — input depth (frames, slices)", 16, 1, 64),
    Control("H", "H — input height", 32, 1, 1024, always_in_url=True),
    Control("W", "W — input width", 32, 1, 1024, always_in_url=True),
    Control("s", "stride", 1, 1, 8),
    Control("pad", "padding", "valid", choices=PADDING_MODES),
    Control("p", "explicit padding (each side)", 1, 0, 10),
    Control("d", "dilation", 1, 1, 8),
    Control("g", "groups", 1, 1, 512),
    Control("dm", "depth multiplier", 1, 1, 8),
    Control("op", "output padding", 0, 0, 7),
    Control("bias", "bias", True, is_bool=True),
)

CONTROL_BY_KEY: dict[str, Control] = {c.key: c for c in EXPLORER_CONTROLS}


def parse_explorer_query(query: Mapping[str, object],
                         controls: Sequence[Control] = EXPLORER_CONTROLS
                         ) -> tuple[dict[str, object], list[str]]:
    """Parse, then apply the limits that depend on other values (groups <= c).

    A link may also give padding as a number (``pad=2``): that means explicit padding 2.
    """
    query = dict(query)
    raw_pad = _last(query.get("pad", "")).strip()
    if raw_pad.lstrip("-").isdigit():
        query["pad"] = "explicit"
        query.setdefault("p", raw_pad)
    values, warnings = parse_query(query, controls)
    if "g" in values and "c" in values and values["g"] > values["c"]:  # type: ignore[operator]
        warnings.append(f"g={values['g']} is more than c={values['c']} channels; "
                        f"using {values['c']}.")
        values["g"] = values["c"]
    return values, warnings


def conv_kwargs(values: Mapping[str, object]) -> dict[str, object]:
    """Control values -> keyword arguments for ``lib.conv.analyze``.

    ``dims`` picks the rank: 1D passes W alone (a sequence), 3D adds D.
    """
    rank = DIMS.index(values.get("dims", "2D")) + 1  # type: ignore[arg-type]
    if values.get("rect"):
        kernel: object = ((values.get("kd", 3), values["kh"], values["kw"])[3 - rank:]
                          if rank > 1 else values["kw"])
    else:
        kernel = values["w"]
    pad = values.get("pad", "valid")
    return {
        "kind": values["kind"], "k": values["k"], "w": kernel, "c": values["c"],
        "H": values["H"] if rank > 1 else None, "W": values["W"],
        "D": values.get("D", 16) if rank == 3 else None, "stride": values.get("s", 1),
        "padding": values.get("p", 0) if pad == "explicit" else pad,
        "dilation": values.get("d", 1), "groups": values.get("g", 1),
        "bias": values.get("bias", True), "depth_multiplier": values.get("dm", 1),
        "output_padding": values.get("op", 0),
    }


def try_analyze(values: Mapping[str, object]) -> tuple[ConvResult | None, str | None]:
    """``analyze`` for the page: the result, or the ConvError message to show instead."""
    try:
        return analyze(**conv_kwargs(values)), None  # type: ignore[arg-type]
    except ConvError as err:
        return None, str(err)


# ---------------------------------------------------------------------------
# The compare and walkthrough pages
# ---------------------------------------------------------------------------

#: The compare page: the explorer's URL keys (a link's numbers carry between the pages)
#: minus the kind, plus automatic groups (``ga``) and the chart's log scale (``log``).
COMPARE_CONTROLS: tuple[Control, ...] = tuple(
    c for c in EXPLORER_CONTROLS if c.key != "kind") + (
    Control("ga", "automatic groups", True, is_bool=True),
    Control("log", "log scale", False, is_bool=True),
)

#: The walkthrough's knobs: one small set per step (the digit is the step), defaults are
#: the classic question (32×32×3 image, 10 filters of 4×4); step 4 starts at 64×64 so the
#: MACs differ from the 32×32 baseline at once.
WALKTHROUGH_CONTROLS: tuple[Control, ...] = (
    Control("w1", "w — kernel size", 4, 1, 11),
    Control("c1", "c — input channels", 3, 1, 64),
    Control("H2", "H = W — image size", 32, 1, 256),
    Control("w2", "w — kernel size", 4, 1, 11),
    Control("pad2", "padding", "valid", choices=("valid", "same")),
    Control("k3", "k — filters", 10, 1, 512),
    Control("w3", "w — kernel size", 4, 1, 11),
    Control("c3", "c — input channels", 3, 1, 512),
    Control("H4", "H — image height", 64, 1, 1024),
    Control("W4", "W — image width", 64, 1, 1024),
    Control("c5", "c — input channels", 3, 1, 512),
    Control("k6", "k — filters", 10, 1, 512),
    Control("c6", "c — input channels", 3, 1, 512),
)


# ---------------------------------------------------------------------------
# Figure options on the explorer
# ---------------------------------------------------------------------------

FIGURES = ("Filters", "Volume", "Sliding window", "Parameters", "Scaling")
#: What the scaling figure can vary, with the explorer control it reads.
SCALING_VARIES = {"H": "H", "W": "W", "D": "D", "k": "k", "c": "c", "w": "w"}

EXPLORER_FIGURE_CONTROLS: tuple[Control, ...] = (
    Control("fig", "Figure", "Filters", choices=FIGURES),
    Control("or", "Output row", 0, 0, 1023),
    Control("oc", "Output column", 0, 0, 1023),
    Control("vary", "Vary", "H", choices=tuple(SCALING_VARIES)),
)


def sweep_values(key: str, current: int, points: int = 24) -> list[int]:
    """Values of an explorer control for a scaling curve: roughly geometric from the
    control's minimum to its maximum, always including ``current``.

    Geometric spacing shows both small and large sizes on one plot (k = 1 … 512).
    """
    control = CONTROL_BY_KEY[key]
    low, high = max(control.low, 1), control.high
    ratio = (high / low) ** (1 / max(points - 1, 1))
    values = {low, high, current}
    value = float(low)
    for _ in range(points):
        values.add(min(high, round(value)))
        value *= ratio
    return sorted(v for v in values if low <= v <= high)
