"""How numbers read on screen: the one place for thousands separators, shapes, per-axis
values, byte sizes and quoted user text. Every module formats through these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def fmt_int(n: int) -> str:
    """12345 -> '12,345'."""
    return f"{n:,}"


def plural(n: int, word: str) -> str:
    """1 -> '1 filter'; 1200 -> '1,200 filters'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def fmt_shape(shape: Iterable[int]) -> str:
    """(29, 29, 10) -> '29×29×10'."""
    return "×".join(str(x) for x in shape)


def fmt_axes(values: Iterable[int]) -> str:
    """Per-axis values as Python writes them: ``3`` when every axis has the same value,
    else ``(3, 5)`` (a stride, a kernel size, a padding in code and in messages)."""
    values = tuple(values)
    if len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ")"


def fmt_size(values: Iterable[int]) -> str:
    """Per-axis sizes in words: ``3`` when every axis has the same size, else ``3×5``."""
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else fmt_shape(values)


def fmt_input(shape: Sequence[int]) -> str:
    """A channels-last input in words: ``one 32×32 image with 3 channels``, ``one sequence
    of 64 steps with 16 channels``, ``one 16×112×112 volume with 3 channels``."""
    *sizes, c = shape
    if len(sizes) == 1:
        return f"one sequence of {sizes[0]} steps with {c} channels"
    noun = "image" if len(sizes) == 2 else "volume"
    return f"one {fmt_shape(sizes)} {noun} with {c} channels"


def _binary_units(n: float, units: Sequence[str]) -> tuple[float, str]:
    """``n`` bytes in the largest 1024-based unit that keeps it below 1024 (or the last)."""
    size = float(n)
    for unit in units[:-1]:
        if size < 1024:
            return size, unit
        size /= 1024
    return size, units[-1]


def fmt_bytes(n: int) -> str:
    """Binary units for the page: 12 -> '12 B', 1960 -> '1.91 KB'."""
    size, unit = _binary_units(n, ("B", "KB", "MB", "GB"))
    return f"{size:,.0f} B" if unit == "B" else f"{size:,.2f} {unit}"


def readable_bytes(n: float) -> str:
    """Keras's ``readable_memory_size``, as ``model.summary()`` prints it: ``1.91 KB``,
    ``0.00 B`` (1024-based, always two decimals, no thousands separator)."""
    size, unit = _binary_units(n, ("B", "KB", "MB", "GB", "TB", "PB"))
    return f"{size:.2f} {unit}"


def fmt_count(n: int) -> str:
    """Large counts in words a student reads at a glance: 403680 -> '403.7 K'."""
    for div, unit in ((10**9, "G"), (10**6, "M"), (10**3, "K")):
        if n >= div:
            return f"{n / div:,.1f} {unit}"
    return str(n)


def code_span(text: str, limit: int = 24) -> str:
    """Text a user typed, made safe to quote in a Markdown message: a code span (nothing
    in it is interpreted; backticks and control characters become '?'), cut after
    ``limit`` characters; ``(empty)`` for blank text."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text)
    clean = clean if len(clean) <= limit else clean[:limit] + "…"
    return f"`{clean}`" if clean.strip() else "(empty)"
