"""How numbers read on screen: one place for thousands separators, shapes and sizes."""

from __future__ import annotations

from collections.abc import Sequence


def fmt_int(n: int) -> str:
    """12345 -> '12,345'."""
    return f"{n:,}"


def fmt_shape(shape: Sequence[int]) -> str:
    """(29, 29, 10) -> '29×29×10'."""
    return "×".join(str(x) for x in shape)


def fmt_bytes(n: int) -> str:
    """Binary units, as Keras prints them: 1960 -> '1.91 KB'."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} B" if unit == "B" else f"{size:,.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def fmt_count(n: int) -> str:
    """Large counts in words a student reads at a glance: 403680 -> '403.7 K'."""
    for div, unit in ((10**9, "G"), (10**6, "M"), (10**3, "K")):
        if n >= div:
            return f"{n / div:,.1f} {unit}"
    return str(n)
