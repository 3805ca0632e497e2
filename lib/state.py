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

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lib.conv import KIND_INFO, KINDS, ConvError, ConvResult, analyze

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
#: Longest URL value we echo back in a warning (the rest is cut off).
_ECHO_CHARS = 24


@dataclass(frozen=True)
class Control:
    """One control: its URL key, type, default and allowed range (or choices).

    A choice control carries short ids in the URL (``kind=separable_keras``) and shows
    ``labels`` on screen ("Depthwise separable (Keras)"). Links written before the ids
    existed carried the labels (or the ``aliases``): they still open the same view, silently.
    """

    key: str
    label: str
    default: object
    low: int = 0
    high: int = 0
    choices: tuple[str, ...] = ()
    is_bool: bool = False
    always_in_url: bool = False
    #: What the UI shows for each choice, in the same order (empty: the ids themselves).
    labels: tuple[str, ...] = ()
    #: Older link values that mean a choice: ``(("Sliding window", "window"), ...)``.
    aliases: tuple[tuple[str, str], ...] = ()

    def clamp(self, value: int) -> int:
        return min(max(value, self.low), self.high)

    def label_of(self, choice: str) -> str:
        """The on-screen name of a choice id (the id itself when there are no labels)."""
        if self.labels and choice in self.choices:
            return self.labels[self.choices.index(choice)]
        return str(choice)

    def choice_for(self, text: str) -> str | None:
        """The choice id a link value means, or None: the id itself, then (ignoring case
        and spacing) the id, its label or an alias."""
        if text in self.choices:
            return text
        for old, choice in self.aliases:  # exact first: "W" (width) is not "w" (kernel)
            if text == old:
                return choice
        wanted = _folded(text)
        names = [*zip(self.choices, self.choices), *zip(self.labels, self.choices),
                 *self.aliases]
        for name, choice in names:
            if _folded(name) == wanted:
                return choice
        return None


def _folded(text: str) -> str:
    """Case- and spacing-blind form of a choice name ("Sliding  window" == "sliding window")."""
    return " ".join(text.replace("+", " ").replace("_", " ").split()).casefold()


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


#: A whole number as people write it in a link: ASCII digits, an optional sign. Python's
#: ``int()`` also takes "1_000", "٣" and surrounding spaces; a link should not.
_INT = re.compile(r"[+-]?[0-9]+")
#: A decimal or scientific number ("3.5", "1e3", "-1e400"); never "inf", "nan" or "0x10".
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number(text: str) -> int | float | None:
    """A link's number text -> int (exact, any size), float (may be ±inf when it
    overflows, e.g. 1e400) or None when it is not a plain number at all."""
    if _INT.fullmatch(text):
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > 30:  # far beyond any control (and int() refuses > 4,300 digits)
            return -math.inf if text.startswith("-") else math.inf
        return int(text)
    if _FLOAT.fullmatch(text):
        as_float = float(text)
        if math.isfinite(as_float) and as_float.is_integer():
            return int(as_float)  # 1e3 is the whole number 1000
        return as_float
    return None


def parse_value(control: Control, raw: str) -> tuple[object, str | None]:
    """One URL value -> (valid value, warning or None).

    The warning names the key, quotes the link's value (safely) and says what is used
    instead and why. Nothing here raises, whatever the text.
    """
    text = raw.strip()
    name = control.key
    if control.choices:
        choice = control.choice_for(text)
        if choice is not None:
            return choice, None
        ids = ", ".join(control.choices)
        used = str(control.default)
        if control.label_of(used) != used:
            used += f" ({control.label_of(used)})"
        return control.default, f"{name}={_echo(raw)} is not one of {ids}; using {used}."
    if control.is_bool:
        if text.lower() in _TRUE:
            return True, None
        if text.lower() in _FALSE:
            return False, None
        shown = "on" if control.default else "off"
        return control.default, f"{name}={_echo(raw)} is not on/off (1 or 0); using {shown}."
    number = _number(text)
    if number is None:  # text, "inf", "nan", "0x10", "1_000", "٣", "", …
        return control.default, (f"{name}={_echo(raw)} is not a whole number; "
                                 f"using the default {control.default}.")
    if number < control.low:
        return control.low, (f"{name}={_echo(raw)} is below the minimum {control.low}; "
                             f"using {control.low}.")
    if number > control.high:
        return control.high, (f"{name}={_echo(raw)} is above the maximum {control.high}; "
                              f"using {control.high}.")
    if isinstance(number, float):  # a fraction inside the range: drop the fraction
        whole = control.clamp(int(number))
        return whole, f"{name}={_echo(raw)} is not a whole number; using {whole}."
    return number, None


def parse_query(query: Mapping[str, object], controls: Sequence[Control]
                ) -> tuple[dict[str, object], list[str]]:
    """Raw query parameters -> ({key: valid value} for every control, warnings).

    Missing keys take the default silently; unknown keys are ignored here (the pages
    report them with :func:`unknown_keys`).
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


#: Query keys Streamlit itself reads (``?embed=true`` shows a page without its chrome):
#: never a page's to report.
STREAMLIT_KEYS = frozenset({"embed", "embed_options"})


def setting_name(control: Control) -> str:
    """What a student calls the setting, in a sentence: "k — filters (output channels)" ->
    "filters (output channels)", "Conv kind" -> "conv kind", "stride" -> "stride"."""
    name = control.label.split(" — ", 1)[-1]
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _meant(key: str, controls: Sequence[Control]) -> list[Control]:
    """The controls an unknown link key most likely meant, best first (at most 3): the same
    key in another case (``h`` -> ``H``), the setting's name (``groups``, ``stride``), a word
    of it (``filters`` -> ``k``), then a close spelling of a key or name (``strides``)."""
    wanted = _folded(key)
    for test in (lambda c: c.key.casefold() == wanted,
                 lambda c: _folded(setting_name(c)) == wanted,
                 lambda c: wanted in re.findall(r"[a-z]+", _folded(setting_name(c)))):
        found = [c for c in controls if test(c)]
        if found:
            return found[:3]
    names = {n: c for c in reversed(controls)
             for n in (c.key.casefold(), _folded(setting_name(c)))}
    return [names[n] for n in difflib.get_close_matches(wanted, list(names), 3, 0.75)]


def unknown_keys(query: Mapping[str, object], controls: Sequence[Control]) -> list[str]:
    """A warning for every key of a link that none of this page's ``controls`` reads.

    Why: a hand-written link with ``groups=2`` (the key is ``g``) opened with 1 group and
    no word about it, so a teacher could share a view that was not the one they meant.
    Each warning quotes the key (in a code span, like every URL text) and names the
    setting it most likely meant, or lists the page's keys.
    """
    known = {c.key for c in controls} | STREAMLIT_KEYS
    warnings = []
    for key in query:
        if key in known:
            continue
        meant = _meant(key, controls)
        if meant:
            hint = "did you mean " + " or ".join(
                f"`{c.key}=` for {setting_name(c)}" for c in meant) + "?"
        else:
            hint = "this page's keys are " + ", ".join(f"`{c.key}`" for c in controls) + "."
        warnings.append(f"{_echo(key)} is not a setting of this page, so it was ignored; "
                        + hint)
    return warnings


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
    Control("kind", "Conv kind", "standard", choices=KINDS, always_in_url=True,
            labels=tuple(KIND_INFO[kind].label for kind in KINDS)),
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
#: The explorer's "Advanced" expander (its session-state key; the compare page's uses it
#: too) and the controls inside it.
#: Its widgets are built only while it is open; a link or preset that sets one of these
#: away from its default opens it.
ADVANCED_EXPANDER = "advanced"
ADVANCED_KEYS = ("s", "pad", "p", "d", "g", "dm", "op", "bias")
#: The explorer's expander listing every product of the clicked cell (built while open).
PRODUCTS_EXPANDER = "products"


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


def analyze_or_error(kwargs: Mapping[str, object]) -> tuple[ConvResult | None, str | None]:
    """``analyze(**kwargs)``, or the ConvError message to show instead."""
    try:
        return analyze(**kwargs), None  # type: ignore[arg-type]
    except ConvError as err:
        return None, str(err)


def try_analyze(values: Mapping[str, object]) -> tuple[ConvResult | None, str | None]:
    """``analyze`` for the page: the result, or the ConvError message to show instead."""
    return analyze_or_error(conv_kwargs(values))


# ---------------------------------------------------------------------------
# The compare and walkthrough pages
# ---------------------------------------------------------------------------

#: The compare page: the explorer's URL keys (a link's numbers carry between the pages)
#: minus the kind, plus automatic groups (``ga``) and the chart's log scale (``log``).
COMPARE_CONTROLS: tuple[Control, ...] = tuple(
    c for c in EXPLORER_CONTROLS if c.key != "kind") + (
    Control("ga", "automatic groups (grouped and transposed rows)", True, is_bool=True),
    Control("log", "log scale", False, is_bool=True),
)
#: The compare page's Advanced expander (the same session-state key as the explorer's,
#: built only while open) also holds automatic groups.
COMPARE_ADVANCED_KEYS = ADVANCED_KEYS + ("ga",)

#: The walkthrough's knobs: one small set per step (the digit is the step; the labels say
#: it too, so a screen reader tells the four "c" sliders apart), defaults are
#: the classic question (32×32×3 image, 10 filters of 4×4); step 4 starts at 64×64 so the
#: MACs differ from the 32×32 baseline at once.
WALKTHROUGH_CONTROLS: tuple[Control, ...] = (
    Control("w1", "w — kernel size (step 1)", 4, 1, 11),
    Control("c1", "c — input channels (step 1)", 3, 1, 64),
    Control("H2", "H = W — image size (step 2)", 32, 1, 256),
    Control("w2", "w — kernel size (step 2)", 4, 1, 11),
    Control("pad2", "padding (step 2)", "valid", choices=("valid", "same")),
    Control("k3", "k — filters (step 3)", 10, 1, 512),
    Control("w3", "w — kernel size (step 3)", 4, 1, 11),
    Control("c3", "c — input channels (step 3)", 3, 1, 512),
    Control("H4", "H — image height (step 4)", 64, 1, 1024),
    Control("W4", "W — image width (step 4)", 64, 1, 1024),
    Control("c5", "c — input channels (step 5)", 3, 1, 512),
    Control("k6", "k — filters (step 6)", 10, 1, 512),
    Control("c6", "c — input channels (step 6)", 3, 1, 512),
)


# ---------------------------------------------------------------------------
# Figure options on the explorer
# ---------------------------------------------------------------------------

#: The explorer's figures: URL id -> what the figure menu shows.
FIGURE_LABELS: dict[str, str] = {
    "filters": "Filters", "filters3d": "Filters (3D)", "volume": "Volume",
    "window": "Sliding window",
    "params": "Parameters", "scaling": "Scaling",
}
FIGURES = tuple(FIGURE_LABELS)
#: What the scaling figure can vary: URL id -> (the explorer control it reads, what the
#: menu shows). Names, not letters: "W" (input width) and "w" (kernel size) differ only
#: in case, which a student reading a menu (or typing a link) should not have to notice.
SCALING_VARIES: dict[str, tuple[str, str]] = {
    "height": ("H", "input height H"), "width": ("W", "input width W"),
    "depth": ("D", "input depth D"), "filters": ("k", "filters k"),
    "channels": ("c", "input channels c"), "kernel": ("w", "kernel size w"),
}

EXPLORER_FIGURE_CONTROLS: tuple[Control, ...] = (
    Control("fig", "Figure", "filters", choices=FIGURES, labels=tuple(FIGURE_LABELS.values())),
    Control("or", "Output row", 0, 0, 1023),
    Control("oc", "Output column", 0, 0, 1023),
    # Links from before the ids said vary=H, vary=w, … (exact case: W is not w).
    Control("vary", "Vary", "height", choices=tuple(SCALING_VARIES),
            labels=tuple(label for _, label in SCALING_VARIES.values()),
            aliases=tuple((key, vary) for vary, (key, _) in SCALING_VARIES.items())),
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


# ---------------------------------------------------------------------------
# Clicking an output cell of a figure
# ---------------------------------------------------------------------------

def clicked_position(selection: Mapping[str, object] | None) -> tuple[int, ...] | None:
    """Streamlit's plotly selection event -> the output position clicked, or None.

    The figures put see-through markers over their output cells
    (``lib.figures._common.click_markers``) whose ``customdata`` is the cell's position,
    one index per spatial axis (D, H, W). Other points (a click elsewhere, a box drawn
    around several cells) are not positions: the last clicked marker wins, anything that
    is not a list of whole numbers is ignored.
    """
    points = (selection or {}).get("points") or []
    for point in reversed(list(points)):
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(data, Mapping) and all(str(k).isdigit() for k in data):
            # a typed array reaches Python as {"0": 4, "1": 2}
            data = [data[k] for k in sorted(data, key=int)]
        if isinstance(data, (int, float)):
            data = [data]
        if (isinstance(data, (list, tuple)) and data
                and all(isinstance(v, (int, float)) and float(v).is_integer() and v >= 0
                        for v in data)):
            return tuple(int(v) for v in data)
    return None


def position_values(position: tuple[int, ...]) -> dict[str, int]:
    """A clicked position -> the explorer's position controls: ``or`` (row) and ``oc``
    (column, or the step in 1D); a 3D depth index is not a control (the figure shows
    depth slice 0's row and column)."""
    if len(position) == 1:
        return {"oc": CONTROL_BY_KEY_FIG["oc"].clamp(position[0])}
    return {"or": CONTROL_BY_KEY_FIG["or"].clamp(position[-2]),
            "oc": CONTROL_BY_KEY_FIG["oc"].clamp(position[-1])}


CONTROL_BY_KEY_FIG: dict[str, Control] = {c.key: c for c in EXPLORER_FIGURE_CONTROLS}

#: The explorer's code section: URL id -> what its menu shows, and the code block's language
#: (None: a plain-text summary table). "none", the default, sends no code block: on a first
#: visit the block and its syntax highlighter were ~1 s of the page's cold start (4.8 s
#: against 3.8 s without it, bench/README.md "The code section on request"), so the code
#: loads when a student asks for it (one click, or a link with ``code=pytorch``).
CODE_VIEWS: dict[str, tuple[str, str | None]] = {
    "none": ("Hidden", None),
    "keras": ("Keras", "python"),
    "pytorch": ("PyTorch", "python"),
    "keras_summary": ("Keras model.summary()", None),
    "torchinfo": ("torchinfo.summary()", None),
}
CODE_CONTROL = Control("code", "Code", "none", choices=tuple(CODE_VIEWS),
                       labels=tuple(label for label, _ in CODE_VIEWS.values()))
#: Everything the explorer keeps in its URL besides the layer: the figure and its options,
#: and the code shown.
EXPLORER_VIEW_CONTROLS: tuple[Control, ...] = EXPLORER_FIGURE_CONTROLS + (CODE_CONTROL,)
