"""The whole stack as code and as the tables the frameworks print: a Keras 3
``keras.Sequential`` and a PyTorch ``nn.Sequential`` script (each conv's layers from
:mod:`lib.snippets`), Keras's ``model.summary()`` (printed by :mod:`lib.summary`) and the
download with ConvScope's extra columns.
"""

from __future__ import annotations

from lib.conv import AXES
from lib.snippets import keras_plan, script, torch_check_lines, torch_pad, torch_plan
from lib.summary import KERAS_LINE_LENGTH, keras_table
from lib.text import fmt_axes, fmt_shape

from .build import LayerRow, NetworkResult, pool_axes
from .grammar import serialise_net
from .layers import keras_class

# ---------------------------------------------------------------------------
# Keras model.summary() text
# ---------------------------------------------------------------------------

def keras_summary(result: NetworkResult, line_length: int = KERAS_LINE_LENGTH) -> str:
    """The text Keras 3 ``model.summary(line_length=...)`` prints for :func:`keras_code`:
    every real Keras layer with its auto-name, printed by :func:`lib.summary.keras_table`."""
    return keras_table(result.keras_layers, result.total_params, line_length)


def summary_text(result: NetworkResult) -> str:
    """The download: the Keras table, then ConvScope's extra columns (MACs, shares, RF)."""
    head = ("#", "layer", "output", "params", "MACs", "% params", "% MACs", "receptive field")
    body = [(str(r.index), r.piece, fmt_shape(r.output_shape), f"{r.params:,}", f"{r.macs:,}",
             f"{100 * r.params_share:.1f}", f"{100 * r.macs_share:.1f}",
             r.receptive_field_text) for r in result.rows]
    widths = [max(len(x[j]) for x in (head, *body)) for j in range(len(head))]
    fmt = lambda cells: "  ".join(c.rjust(w) if j in (0, 3, 4, 5, 6) else c.ljust(w)  # noqa: E731
                                  for j, (c, w) in enumerate(zip(cells, widths))).rstrip()
    lines = [keras_summary(result), "ConvScope per layer (MACs for one image; pooling, "
             "flatten and global pooling have no weights: 0 MACs)", fmt(head)]
    lines += [fmt(b) for b in body]
    lines += [f"Total: {result.total_params:,} params, {result.total_macs:,} MACs "
              f"({result.total_flops:,} FLOPs) for one {fmt_shape(result.input_shape)} input",
              f"Stack: {serialise_net(result.spec)}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Code
# ---------------------------------------------------------------------------

def _keras_lines(row: LayerRow) -> list[str]:
    """The Keras constructor line of a pooling, flatten or dense row."""
    s = row.spec
    rank = len(row.input_shape) - 1
    if s.op in ("max_pool", "avg_pool"):
        args = [f"pool_size={fmt_axes(s.kernel)}"]  # type: ignore[arg-type]
        if s.stride is not None:
            args.append(f"strides={fmt_axes(s.stride)}")
        if s.padding == "same":
            args.append('padding="same"')
        return [f"layers.{keras_class(s.op, s.rank)}({', '.join(args)}),"]
    if s.op == "dense":
        return [f"layers.Dense({s.filters}{'' if s.bias else ', use_bias=False'}),"]
    return [f"layers.{keras_class(s.op, rank)}(),"]


def _torch_lines(row: LayerRow) -> list[str]:
    """The PyTorch module lines (with comments) of a pooling, flatten or dense row."""
    s = row.spec
    rank = len(row.input_shape) - 1
    if s.op in ("max_pool", "avg_pool"):
        axes = pool_axes(s, row.input_shape)
        cls = f"{'MaxPool' if s.op == 'max_pool' else 'AvgPool'}{rank}d"
        pads = [(a.before, a.after) for a in axes]
        lines: list[str] = []
        args = [fmt_axes(s.kernel)]  # type: ignore[arg-type]
        if s.stride is not None:
            args.append(f"stride={fmt_axes(s.stride)}")
        if any(b != a for b, a in pads):
            cells = "pixels" if rank == 2 else "values"
            lines += [f"# Keras's padding='same' for pooling (torch backend): repeat the edge "
                      f"{cells}, the odd one at the end,",
                      f"nn.ReplicationPad{rank}d({torch_pad(pads)}),"]
        elif any(b for b, _ in pads):
            args.append(f"padding={fmt_axes(b for b, _ in pads)}")
            if s.op == "avg_pool":
                args.append("count_include_pad=False")
        return lines + [f"nn.{cls}({', '.join(args)}),"]
    if s.op == "gap":
        return [f"nn.AdaptiveAvgPool{rank}d(1),", "nn.Flatten(),"]
    if s.op == "flatten":
        if rank < 1:
            return ["nn.Flatten(),"]
        names = ", ".join(AXES[rank])
        return [f"# PyTorch flattens (C, {names}), Keras ({names}, C): same size, other "
                "order", "nn.Flatten(),"]
    n = row.input_shape[0]
    return [f"nn.Linear({n}, {s.filters}{'' if s.bias else ', bias=False'}),"]


#: Each framework's layers for a conv row (lib.snippets) and for the other rows.
_CONV_PLAN = {"keras": keras_plan, "pytorch": torch_plan}
_OTHER_LINES = {"keras": _keras_lines, "pytorch": _torch_lines}


def _row_lines(row: LayerRow, framework: str) -> tuple[list[str], list[str]]:
    """(class definitions, constructor lines with their comments) for one row."""
    if row.conv is None:
        return [], _OTHER_LINES[framework](row)
    plan = _CONV_PLAN[framework](row.conv)
    lines = []
    for layer in plan.layers:
        lines += [*layer.comment, layer.code + ","]
    return list(plan.preamble), lines


def _code(result: NetworkResult, framework: str) -> str:
    """The whole stack as a Keras or PyTorch script, each layer under a comment."""
    pre: list[str] = []
    body: list[str] = []
    for row in result.rows:
        p, lines = _row_lines(row, framework)
        pre += p
        out = fmt_shape(row.output_shape)
        body.append(f"    # {row.index}. {row.name}: {row.description} -> {out}, "
                    f"{row.params:,} params")
        body += ["    " + ln for ln in lines]
    r = result.rank
    out = result.output_shape
    if framework == "keras":
        return script("keras", pre, [
            f"keras.utils.clear_session()  # fresh auto-names: conv{r}d, conv{r}d_1, ...",
            "model = keras.Sequential([",
            f"    keras.Input(shape=({', '.join(map(str, result.input_shape))})),",
            *body, "])",
            f"model.summary()  # {result.total_params:,} params, output "
            f"(None, {', '.join(map(str, out))})"])
    return script("pytorch", pre, ["model = nn.Sequential(", *body, ")",
                                   *torch_check_lines(result.input_shape, out,
                                                      result.total_params)])


def keras_code(result: NetworkResult) -> str:
    """A Keras 3 script building the stack as a ``keras.Sequential`` and printing its summary."""
    return _code(result, "keras")


def pytorch_code(result: NetworkResult) -> str:
    """A PyTorch script building the stack as an ``nn.Sequential``; prints params and shape."""
    return _code(result, "pytorch")

