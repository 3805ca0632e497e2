"""The tables the frameworks print, reproduced as text: one printer for Keras 3's
``model.summary()`` and one for torchinfo 1.8's ``summary()``, fed with rows.

A row is one real layer (:class:`SummaryRow`). :mod:`lib.snippets` makes the rows of one
conv layer's snippet, :mod:`lib.network` those of a whole stack; both print them here, so
the table is written once. Nothing here knows about convs: column widths, word wrapping,
auto-names and byte sizes follow the libraries' own code (rich's table layout as Keras
uses it, torchinfo's ``ModelStatistics``), checked against what they really print in
``tests/data/snippet_reference*.json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from lib.text import readable_bytes

#: Keras's default summary width (``print_summary``: min(88, terminal columns - 4)).
KERAS_LINE_LENGTH = 88

BYTES_PER_PARAM = 4  # float32


class SummaryRow(NamedTuple):
    """One row of a summary table: one real layer.

    Keras: ``name`` is the auto-name (``conv2d``), ``output_shape`` ``(None, *spatial, C)``
    (``(None, H, W, C)`` in 2D). PyTorch: ``name`` is the index in ``nn.Sequential``
    (``"0"``), ``output_shape`` ``(1, C, *spatial)`` for the batch of one torchinfo is given.
    """

    name: str
    type: str
    output_shape: tuple
    params: int


# ---------------------------------------------------------------------------
# Keras auto-names
# ---------------------------------------------------------------------------

def keras_auto_name(class_name: str) -> str:
    """Keras's ``to_snake_case``: ``MaxPooling2D`` -> ``max_pooling2d``."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


class KerasNamer:
    """Keras's per-session name counter: conv2d, conv2d_1, conv2d_2, ..."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def take(self, class_name: str) -> str:
        base = keras_auto_name(class_name)
        n = self.seen.get(base, 0)
        self.seen[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


# ---------------------------------------------------------------------------
# Keras model.summary() (rich's table, as plain text)
# ---------------------------------------------------------------------------

def _ratio_reduce(total: int, ratios: list[int], maximums: list[int],
                  values: list[int]) -> list[int]:
    """rich._ratio.ratio_reduce (Python's round, half to even, as rich uses)."""
    ratios = [ratio if m else 0 for ratio, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            d = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - d)
            remaining -= d
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _keras_column_widths(line_length: int) -> list[int]:
    """Cell widths (with the 1-space padding each side) of Keras's 3-column table."""
    widths, current = [], 0
    for pos in (0.45, 0.80, 1.0):
        w = int(pos * line_length) - current
        if w < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(w)
        current += w
    max_width = line_length - 4  # 2 edges + 2 separators
    cells = [min(w + 2, max_width) for w in widths]
    if sum(cells) > max_width:
        cells = _ratio_reduce(sum(cells) - max_width, [1, 1, 1], cells, cells)
    return cells


def _wrap(text: str, width: int) -> list[str]:
    """rich's word wrap with overflow='ellipsis' (words too long are cut with …)."""
    lines: list[str] = []
    cur = ""
    for word in text.split(" "):
        if not cur:
            cur = word
        elif len(cur) + 1 + len(word) <= width:
            cur += " " + word
        else:
            lines.append(cur)
            cur = word
    lines.append(cur)
    return [ln if len(ln) <= width else ln[:width - 1] + "…" for ln in lines]


def keras_table(rows: Sequence[SummaryRow], total_params: int,
                line_length: int = KERAS_LINE_LENGTH) -> str:
    """The text Keras 3 ``model.summary(line_length=...)`` prints for a Sequential model
    whose layers are ``rows`` (all parameters trainable)."""
    cells = _keras_column_widths(line_length)
    justify = ("left", "left", "right")

    def row(values: tuple[str, str, str], bar: str) -> list[str]:
        wrapped = [_wrap(v, w - 2) for v, w in zip(values, cells)]
        out = []
        for i in range(max(len(x) for x in wrapped)):
            parts = []
            for lines, w, j in zip(wrapped, cells, justify):
                text = lines[i] if i < len(lines) else ""
                text = text.ljust(w - 2) if j == "left" else text.rjust(w - 2)
                parts.append(f" {text} ")
            out.append(bar + bar.join(parts) + bar)
        return out

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * w for w in cells) + right

    lines = ['Model: "sequential"', rule("┏", "━", "┳", "┓")]
    lines += row(("Layer (type)", "Output Shape", "Param #"), "┃")
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, lr in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        shape = "(" + ", ".join(str(v) for v in lr.output_shape) + ")"
        lines += row((f"{lr.name} ({lr.type})", shape, f"{lr.params:,}"), "│")
    lines.append(rule("└", "─", "┴", "┘"))
    size = readable_bytes(total_params * BYTES_PER_PARAM)
    lines += [f" Total params: {total_params:,} ({size})",
              f" Trainable params: {total_params:,} ({size})",
              " Non-trainable params: 0 (0.00 B)"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# torchinfo summary()
# ---------------------------------------------------------------------------

_TI_COL = 25
_TI_NAME = 40
#: torchinfo measures the input as ``sys.getsizeof(tensor.untyped_storage())``: the data
#: plus the storage object's own 64 bytes (CPython 3.11, torch 2.13).
TORCHINFO_INPUT_OVERHEAD = 64


def _ti_num(num: int, auto: bool) -> str:
    """torchinfo ModelStatistics.format_output_num (units NONE or AUTO)."""
    unit = ""
    value: float = float(num)
    if auto:
        if num >= 1e12:
            unit, value = "TERABYTES", num / 1e12
        elif num >= 1e9:
            unit, value = "GIGABYTES", num / 1e9
        else:
            unit, value = "MEGABYTES", num / 1e6
    shown = f"{int(value):,d}" if value.is_integer() else f"{value:,.2f}"
    return (f" (Units.{unit})" if unit else "") + f": {shown}"


def torchinfo_table(rows: Sequence[SummaryRow], output_shape: Sequence[int],
                    input_values: int, mult_adds: int) -> str:
    """What ``print(torchinfo.summary(model, input_size=...))`` shows for an
    ``nn.Sequential`` whose layers are ``rows``.

    ``output_shape`` is the model's ``(1, C, *spatial)``, ``input_values`` the number of
    values in the input, ``mult_adds`` torchinfo's own count (see
    :func:`lib.snippets.torchinfo_mult_adds`). Sizes: 4 bytes per value; the
    forward/backward pass counts every layer with parameters twice (gradients), as
    torchinfo does.
    """
    titles = [(0, "Sequential")] + [(1, f"{lr.type}: 1-{i + 1}") for i, lr in enumerate(rows)]
    longest = max(len(t) + depth * 5 + 1 for depth, t in titles)
    name_w = _TI_NAME if longest < _TI_NAME else math.ceil(longest / 5) * 5
    width = name_w + 2 * _TI_COL
    divider = "=" * width

    def fmt(name: str, shape: str, params: str) -> str:
        return f"{name:<{name_w}} {shape:<{_TI_COL}} {params:<{_TI_COL}}".rstrip()

    lines = [divider, fmt("Layer (type:depth-idx)", "Output Shape", "Param #"), divider,
             fmt("Sequential", str(list(output_shape)), "--")]
    for (_, title), lr in zip(titles[1:], rows):
        lines.append(fmt("├─" + title, str(list(lr.output_shape)),
                         f"{lr.params:,}" if lr.params else "--"))
    total = sum(lr.params for lr in rows)
    input_bytes = input_values * BYTES_PER_PARAM + TORCHINFO_INPUT_OVERHEAD
    out_bytes = sum(2 * BYTES_PER_PARAM * math.prod(lr.output_shape)
                    for lr in rows if lr.params > 0)
    param_bytes = total * BYTES_PER_PARAM
    lines += [divider,
              f"Total params{_ti_num(total, False)}",
              f"Trainable params{_ti_num(total, False)}",
              f"Non-trainable params{_ti_num(0, False)}",
              f"Total mult-adds{_ti_num(mult_adds, True)}",
              divider,
              f"Input size (MB): {input_bytes / 1e6:0.2f}",
              f"Forward/backward pass size (MB): {out_bytes / 1e6:0.2f}",
              f"Params size (MB): {param_bytes / 1e6:0.2f}",
              f"Estimated Total Size (MB): {(input_bytes + out_bytes + param_bytes) / 1e6:0.2f}",
              divider]
    return "\n".join(lines)
