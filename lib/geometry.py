"""One spatial axis through one layer, the layers inside a conv kind, and how far one
output cell sees.

:func:`conv_axis` and :func:`transposed_axis` give the output length of one axis and where
its zeros go (or what a transposed conv crops); a :class:`Stage` is one real layer (a
separable conv has two) with one :class:`Axis` per spatial axis; :func:`receptive_field`
follows the axes through the stages. The formulas are in :mod:`lib.conv`'s docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.spec import ConvError


@dataclass(frozen=True)
class Axis:
    """How one spatial axis goes through one stage.

    For a conv, ``before``/``after`` are the zeros added to the input. For a transposed
    conv they are the rows cropped from the full scatter output of length
    ``(n - 1) * s + d * (k - 1) + 1`` (``after`` is negative when the output grows past it).
    """

    size_in: int
    size_out: int
    kernel: int
    stride: int
    dilation: int
    before: int
    after: int
    mode: str  # "explicit", "valid", "same", "causal"; transposed: "keras_valid"/"keras_same"

    @property
    def extent(self) -> int:
        """Effective (dilated) kernel extent d * (k - 1) + 1 (as :func:`_extent`)."""
        return self.dilation * (self.kernel - 1) + 1


def _extent(kernel: int, dilation: int) -> int:
    """The span a dilated kernel covers: d * (k - 1) + 1 (3x3 at d=2 covers 5x5)."""
    return dilation * (kernel - 1) + 1


def conv_axis(axis: str, n: int, kernel: int, stride: int, dilation: int,
              padding: str | int) -> Axis:
    """Output length of a (non-transposed) conv along one axis.

    valid / int p:  n_out = floor((n + 2p - d(k-1) - 1) / s) + 1, error if the dilated
                    kernel is larger than the padded input.
    same (Keras):   n_out = ceil(n / s); total = max((n_out-1)s + d(k-1)+1 - n, 0) zeros,
                    total // 2 before and the rest after.
    causal (1D):    d(k-1) zeros before, none after, so output t sees inputs <= t only;
                    n_out = floor((n - 1) / s) + 1.
    """
    extent = _extent(kernel, dilation)
    if padding == "same":
        out = -(-n // stride)
        total = max((out - 1) * stride + extent - n, 0)
        return Axis(n, out, kernel, stride, dilation, total // 2, total - total // 2, "same")
    if padding == "causal":
        return Axis(n, (n - 1) // stride + 1, kernel, stride, dilation, extent - 1, 0, "causal")
    p = 0 if padding == "valid" else int(padding)
    padded = n + 2 * p
    if extent > padded:
        dil = f" (dilated {extent})" if dilation > 1 else ""
        pad = f" = {n} + 2·{p}" if p else ""
        raise ConvError(f"kernel {kernel}{dil} is larger than padded input {padded}{pad} "
                        f"along {axis}")
    out = (padded - extent) // stride + 1
    return Axis(n, out, kernel, stride, dilation, p, p,
                "valid" if padding == "valid" else "explicit")


def transposed_axis(axis: str, n: int, kernel: int, stride: int, dilation: int,
                    padding: str | int, output_padding: int | None) -> Axis:
    """Output length of a transposed conv along one axis (PyTorch for ints, Keras for strings).

    ``output_padding=None`` is Keras's default (the layer infers the length); Keras uses it
    only when no axis has an output padding, see :func:`lib.spec.transposed_output_padding`.
    """
    extent = _extent(kernel, dilation)
    full = (n - 1) * stride + extent
    if isinstance(padding, str):
        if output_padding is not None and output_padding >= stride:
            raise ConvError(f"output_padding={output_padding} must be smaller than "
                            f"stride={stride} along {axis} (Keras ConvTranspose)")
        if output_padding is None:
            out = n * stride + max(extent - stride, 0) if padding == "valid" else n * stride
        else:
            pad = extent // 2 if padding == "same" else 0
            out = (n - 1) * stride + extent - 2 * pad + output_padding
        total = full - out
        # Keras crops half the surplus at the start, never less than nothing; a shortfall
        # (kernel extent < stride, or a large output_padding) is added at the end.
        before = max(total // 2, 0) if padding == "same" else 0
        mode = "keras_" + padding
    else:
        output_padding = output_padding or 0
        if output_padding >= stride and output_padding >= dilation:
            raise ConvError(f"output_padding={output_padding} must be smaller than "
                            f"stride={stride} or dilation={dilation} along {axis} "
                            "(PyTorch ConvTranspose)")
        out = full - 2 * padding + output_padding
        before, total = padding, full - out
        mode = "explicit"
        if out < 1:
            raise ConvError(f"padding={padding} crops the whole output along {axis}: "
                            f"(n-1)·s + d·(k-1) + 1 = {full}, minus 2·{padding}, "
                            f"plus output_padding {output_padding}, is {out}")
    return Axis(n, out, kernel, stride, dilation, before, total - before, mode)


@dataclass(frozen=True)
class Stage:
    """One real layer inside a conv kind (a separable conv has two).

    Shapes are channels-last, ``(*spatial, channels)``. ``torch_weight_shape`` and
    ``keras_weight_shape`` are each framework's own kernel layout: conv
    (out, in/g, *kernel) / (*kernel, in/g, out); depthwise Keras (*kernel, c, dm);
    transposed (in, out/g, *kernel) / (*kernel, out, in). Empty when the framework has no
    such layer (a grouped transposed conv in Keras; the channel sum of shared_channels).
    """

    name: str
    role: str
    op: str  # "conv", "depthwise", "transposed", "channel_sum"
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    axes: tuple[Axis, ...]
    weight_params: int
    bias_params: int
    macs: int
    torch_weight_shape: tuple[int, ...]
    keras_weight_shape: tuple[int, ...]

    @property
    def params(self) -> int:
        return self.weight_params + self.bias_params

    @property
    def in_channels(self) -> int:
        return self.in_shape[-1]

    @property
    def out_channels(self) -> int:
        return self.out_shape[-1]


def _transposed_reach(a: Axis) -> int:
    """How many input cells along one axis feed one output cell of a transposed conv.

    Output o receives input i through tap j when o = i*s + j*d - p; the taps of one
    residue class are s/g apart (g = gcd(d, s)), so at most ceil(k / (s/g)) taps land on
    one output, on input cells d/g apart.
    """
    g = math.gcd(a.dilation, a.stride)
    taps = -(-a.kernel // (a.stride // g))
    return (taps - 1) * (a.dilation // g) + 1


def receptive_field(stages: tuple[Stage, ...]) -> tuple[int, ...]:
    """Input cells per axis (e.g. height, width) that one output cell depends on.

    Stacked convs grow it by (extent - 1) * jump, where jump is the product of the
    earlier strides: rf = 1 + sum_i (d_i (k_i - 1)) * prod_{j<i} s_j.
    """
    out = []
    for i in range(len(stages[0].axes)):
        rf, jump = 1, 1
        for st in stages:
            a = st.axes[i]
            if st.op == "transposed":
                rf = _transposed_reach(a)
                continue
            rf += (a.extent - 1) * jump
            jump *= a.stride
        out.append(rf)
    return tuple(out)
