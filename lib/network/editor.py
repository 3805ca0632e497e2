"""The stack as the rows of the page's ``st.data_editor`` table and back.

:func:`to_table` gives one row per layer (numbers where they apply, blank elsewhere);
:func:`from_table` reads edited rows back (blank cells take the default, cells an op does
not use are ignored) and raises :class:`NetworkError` naming the row and the column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from lib.conv import KINDS, ConvError, kind_label
from lib.text import code_span

from .grammar import parse_number, parse_sizes, sizes_text
from .layers import MAX_LAYERS, RANKS, LayerSpec, NetworkError, Sizes, conv, dense

_OP_LABELS: dict[str, tuple[str, str]] = {
    "Max pooling": ("max_pool", ""), "Average pooling": ("avg_pool", ""),
    "Global average pooling": ("gap", ""), "Flatten": ("flatten", ""),
    "Dense": ("dense", ""),
}


def table_types(rank: int = 2) -> dict[str, tuple[str, str]]:
    """Editor "layer" column at this rank: label -> (op, conv kind)."""
    return {**{kind_label(k, rank): ("conv", k) for k in KINDS}, **_OP_LABELS}


#: Editor "layer" column (2D labels): label -> (op, conv kind).
TABLE_TYPES: dict[str, tuple[str, str]] = table_types(2)
#: Every rank's labels (a 1D table may hold a label typed as "Standard Conv2D").
_ANY_TYPE = {label: v for r in RANKS for label, v in table_types(r).items()}
_OP_LABEL_OF = {v: k for k, v in _OP_LABELS.items()}

#: Editor columns, in order.
TABLE_COLUMNS: tuple[str, ...] = ("layer", "filters / units", "kernel / pool", "stride",
                                  "padding", "dilation", "groups", "depth multiplier",
                                  "output padding", "bias")


def to_table(layers: Iterable[LayerSpec]) -> list[dict[str, object]]:
    """Rows for the editor: numbers where they apply, None (blank) elsewhere."""
    rows = []
    for s in layers:
        row: dict[str, object] = {c: None for c in TABLE_COLUMNS}
        row["layer"] = (kind_label(s.kind, s.rank) if s.op == "conv"
                        else _OP_LABEL_OF[(s.op, s.kind)])
        if s.op in ("conv", "dense") and s.filters is not None:
            row["filters / units"] = s.filters
        if s.kernel is not None:
            row["kernel / pool"] = sizes_text(s.kernel, square_short=s.op != "conv")
        if s.op in ("conv", "max_pool", "avg_pool"):
            row["stride"] = None if s.stride is None else sizes_text(s.stride)
            row["padding"] = (s.padding if isinstance(s.padding, str)
                              else sizes_text(s.padding))
        if s.op == "conv":
            row["dilation"] = sizes_text(s.dilation)
            row["groups"] = s.groups
            row["depth multiplier"] = s.depth_multiplier
            row["output padding"] = sizes_text(s.output_padding)
        if s.op in ("conv", "dense"):
            row["bias"] = s.bias
        rows.append(row)
    return rows


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def _cell_int(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a whole number")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise ValueError(f"{what} {value!r} is not a whole number")
        return int(value)
    if isinstance(value, int):
        return value
    if hasattr(value, "__index__"):  # numpy integers
        return int(value)  # type: ignore[call-overload]
    return parse_number(str(value).strip(), what)


def _cell_size(value: object, what: str, rank: int = 2) -> Sizes:
    if isinstance(value, str):
        return parse_sizes(value.strip().lower(), what, rank)
    n = _cell_int(value, what)
    return (n,) * rank


def from_table(rows: Sequence[Mapping[str, object]], rank: int = 2) -> tuple[LayerSpec, ...]:
    """Editor rows -> layer specs of this spatial rank. Blank cells take the default; cells
    an op does not use are ignored. Raises :class:`NetworkError` naming the row and the
    column."""
    if len(rows) > MAX_LAYERS:
        raise NetworkError(f"{len(rows)} rows is above the limit {MAX_LAYERS} layers")
    ones, zeros = (1,) * rank, (0,) * rank
    out = []
    for i, row in enumerate(rows, start=1):
        label = row.get("layer")
        if _blank(label) or label not in _ANY_TYPE:
            raise NetworkError(f"row {i}: choose a layer type"
                               + ("" if _blank(label) else f" ({code_span(str(label))} is not one)"),
                               i)
        op, kind = _ANY_TYPE[label]  # type: ignore[index]
        col = "?"
        try:
            def get(name: str, conv_fn, default):
                nonlocal col
                col = name
                value = row.get(name)
                return default if _blank(value) else conv_fn(value, name)

            def size(value: object, what: str) -> Sizes:
                return _cell_size(value, what, rank)

            if op == "conv":
                pad = row.get("padding")
                col = "padding"
                if _blank(pad) or str(pad).strip().lower() in ("valid", "same", "causal"):
                    padding: object = "valid" if _blank(pad) else str(pad).strip().lower()
                else:
                    padding = size(pad, "padding")
                filters = (None if kind == "depthwise"
                           else get("filters / units", _cell_int, None))
                if filters is None and kind != "depthwise":
                    raise ValueError("filters / units is empty")
                spec = conv(filters, get("kernel / pool", size, ones if kind ==
                                         "pointwise" else None) or _missing("kernel / pool"),
                            kind, stride=get("stride", size, ones),
                            padding=padding,  # type: ignore[arg-type]
                            dilation=get("dilation", size, ones),
                            groups=get("groups", _cell_int, 1),
                            depth_multiplier=get("depth multiplier", _cell_int, 1),
                            output_padding=get("output padding", size, zeros),
                            bias=get("bias", lambda v, _: bool(v), True), rank=rank)
            elif op in ("max_pool", "avg_pool"):
                pad = row.get("padding")
                col = "padding"
                padding = "valid" if _blank(pad) else str(pad).strip().lower()
                if padding not in ("valid", "same"):
                    raise ValueError(f"pooling padding {code_span(str(pad))} must be valid or same")
                spec = LayerSpec(op, kernel=get("kernel / pool", size, None)
                                 or _missing("kernel / pool"),
                                 stride=get("stride", size, None), padding=padding, rank=rank)
            elif op == "dense":
                units = get("filters / units", _cell_int, None)
                if units is None:
                    raise ValueError("filters / units is empty")
                spec = dense(units, get("bias", lambda v, _: bool(v), True))
            else:
                spec = LayerSpec(op)
        except (ValueError, ConvError) as err:
            raise NetworkError(f"row {i} ({label}), column {col}: {err}", i) from None
        out.append(spec)
    return tuple(out)


def _missing(column: str):
    raise ValueError(f"{column} is empty")


def apply_table_edits(rows: Sequence[Mapping[str, object]],
                      edits: Mapping[str, object]) -> list[dict[str, object]]:
    """Apply ``st.data_editor``'s edit record to the rows it was given.

    The record is ``{"edited_rows": {i: {column: value}}, "added_rows": [{...}],
    "deleted_rows": [i, ...]}``; indices refer to ``rows``. Edits first, then deletions,
    then the added rows at the end (the editor only appends).
    """
    out = [dict(r) for r in rows]
    edited = edits.get("edited_rows") or {}
    for key, change in dict(edited).items():  # type: ignore[call-overload]
        i = int(key)
        if 0 <= i < len(out) and isinstance(change, Mapping):
            out[i].update(change)
    deleted = {int(i) for i in (edits.get("deleted_rows") or [])}  # type: ignore[union-attr]
    out = [r for i, r in enumerate(out) if i not in deleted]
    for added in edits.get("added_rows") or []:  # type: ignore[union-attr]
        if isinstance(added, Mapping):
            out.append({c: added.get(c) for c in TABLE_COLUMNS})
    return out

