"""How numbers read on screen: the one place for thousands separators, shapes, per-axis
values, byte sizes and quoted user text. Every module formats through these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def fmt_int(n: int) -> str:
    """12345 -> '12,345'."""
    return f"{n:,}"


def tex_int(n: int) -> str:
    """An integer inside LaTeX, with the same thousands separators as the text:
    12345 -> '12{,}345' (the braces keep KaTeX from adding a space after the comma)."""
    return f"{n:,}".replace(",", "{,}")


def plural(n: int, word: str) -> str:
    """1 -> '1 filter'; 1200 -> '1,200 filters'; 2 biases (a word ending in s takes es)."""
    return f"{n:,} {word}" + ("" if n == 1 else "es" if word.endswith("s") else "s")


def fmt_shape(shape: Iterable[int]) -> str:
    """(29, 29, 10) -> '29×29×10'; (1024, 1024, 3) -> '1,024×1,024×3' (the same separators
    as every other count)."""
    return "×".join(f"{x:,}" for x in shape)


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


#: SI steps for counts, smallest first: a value moves up a step before its mantissa
#: reaches 1,000 ("32.6 T", never "32,613.8 G"; "1.0 M", never "1,000.0 K").
SI_STEPS: tuple[tuple[int, str], ...] = (
    (10**3, "K"), (10**6, "M"), (10**9, "G"), (10**12, "T"), (10**15, "P"), (10**18, "E"))


def fmt_count(n: int) -> str:
    """Large counts in words a student reads at a glance: 403680 -> '403.7 K',
    32_613_800_000_000 -> '32.6 T', 999_960 -> '1.0 M'; below 1,000 the number itself."""
    if abs(n) < 1000:
        return str(n)
    for div, unit in SI_STEPS:
        mantissa = round(n / div, 1)
        if abs(mantissa) < 1000 or unit == SI_STEPS[-1][1]:
            return f"{mantissa:,.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def times(ratio: float, digits: int = 2) -> str:
    """A ratio as '1.10×' (at least ``digits`` decimals; more when it would read 1.00×
    without being 1, so a ratio never prints as an equality that it is not)."""
    text = f"{ratio:,.{digits}f}×"
    while ratio != 1 and text in (f"{1:.{digits}f}×",) and digits < 6:
        digits += 1
        text = f"{ratio:,.{digits}f}×"
    return text


def compare_counts(a: int, b: int, noun: str = "parameters", other: str = "") -> str:
    """How count ``a`` stands to count ``b`` (``other`` names what has ``b``), computed:
    '50 more parameters (1.10×) than the standard conv', '10 fewer MACs (0.98×) than …',
    'the same number of parameters as …'. Every comparative sentence on a page goes
    through here, so its word always agrees with the numbers shown."""
    if a == b:
        return f"the same number of {noun}" + (f" as {other}" if other else "")
    word = "more" if a > b else "fewer"
    ratio = f" ({times(a / b)})" if b else ""
    diff = abs(a - b)
    noun = noun[:-1] if diff == 1 and noun.endswith("s") else noun  # 1 more parameter
    return f"{diff:,} {word} {noun}{ratio}" + (f" than {other}" if other else "")


def ratio_delta(a: int, b: int) -> tuple[str, str]:
    """A metric's delta for count ``a`` against count ``b``: ('8.5× as many', 'up'),
    ('0.80× as many', 'down'), ('as many', 'off'); the arrow follows the numbers."""
    if a == b or not b:
        return "as many", "off"
    return f"{times(a / b, 1 if a > b else 2)} as many", ("up" if a > b else "down")


def more_or_fewer(a: int, b: int) -> str:
    """'more', 'fewer' or 'as many' for count ``a`` against count ``b``."""
    return "more" if a > b else "fewer" if a < b else "as many"


def code_span(text: str, limit: int = 24) -> str:
    """Text a user typed, made safe to quote in a Markdown message: a code span (nothing
    in it is interpreted; backticks and control characters become '?'), cut after
    ``limit`` characters; ``(empty)`` for blank text."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text)
    clean = clean if len(clean) <= limit else clean[:limit] + "…"
    return f"`{clean}`" if clean.strip() else "(empty)"


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]],
                   right: Iterable[str] = ()) -> str:
    """A GitHub-flavoured Markdown table: a real HTML ``<table>`` once rendered, which screen
    readers read as a table and which costs the browser far less than a data grid.

    Cells are text (format numbers first, e.g. with :func:`fmt_int`); a ``|`` inside a cell
    is escaped so it cannot start a new column, and line breaks become spaces. Columns named
    in ``right`` are right-aligned (numbers)."""
    right = set(right)

    def cell(text: str) -> str:
        return " ".join(str(text).split()).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |",
             "|" + "|".join("---:" if c in right else "---" for c in columns) + "|"]
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns")
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)
