"""Run one 2D conv layer of any kind on a real picture, with numpy, fast enough for a slider.

``run_layer(pixels, preset, seed, **layer)`` analyses the layer with
:func:`lib.conv.analyze` (``layer`` is what ``analyze`` takes, without ``c``/``H``/``W``:
those come from the picture), builds the weights of every stage, and computes every stage's
feature maps. Geometry (where the zeros go, stride, dilation, what a transposed conv crops,
the output size) is read from the stage axes of ``analyze``: the output shape is *by
construction* the one the explorer shows, and ``tests/test_forward.py`` checks it for every
kind over a sweep of settings, and the values against :mod:`lib.numeric`'s slow loops.

How a conv is computed here (the same sum as :func:`lib.numeric.conv2d`, vectorised): loop
over the kh·kw kernel taps, not over the output cells; for tap (u, v) the input cells it
meets form one strided slice of the padded input, and one matrix product adds its share to
every output cell at once::

    out[i, j, o] += xp[i·s + u·d, j·s + v·d, channels of o's group] @ kernel[u, v, :, o]

A transposed conv scatters: tap (u, v) adds ``x @ kernel[u, v]`` into every s-th row and
column of the full output starting at (u·d, v·d), which is then cropped as the axes say.

The weights
-----------
``preset`` is one of :data:`PRESETS`. "random" draws every stage's kernel from a normal
distribution with standard deviation 1/sqrt(fan-in) (He-like, seeded by ``seed``).
The classic kernels (edge, blur, sharpen, emboss; :func:`preset_kernel`) are one 2D kernel
K, placed in each kind's weight shape so the layer does what the name says:

* filter o uses K turned by o × 90° (:func:`turned`): edge filters alternate between
  vertical and horizontal edges (and their signs); blur and sharpen look the same turned;
* a filter that adds up n input channels gets K / n on each, so it filters the *mean* of
  the channels it sees (standard: all c; grouped: the c/g of its group; shared across
  channels: the channel sum, divided by c);
* depthwise: every input channel gets K turned by t for its t-th filter (t < depth
  multiplier), so the channels are filtered one by one and never mix;
* separable (Keras and PyTorch): that depthwise step, then a 1×1 conv where filter o
  averages, over the input channels, the depthwise maps of turn o mod m;
* transposed: every input cell stamps K · s_h·s_w / (c/g) into the output (learned
  upsampling; the factor s_h·s_w keeps the brightness, as each cell is spread over s² cells);
* spatially separable: the closest product of a (kh×1) column and a (1×kw) row to K
  (its first singular vectors): exact for edge and blur, an approximation for sharpen and
  emboss, which are not separable (the notes say how much of K is kept).

A 1×1 kernel (pointwise, or w = 1) sees no neighbours: blur and sharpen are then the
identity and edge is 0. All biases are 0: a bias adds one number to a whole map, which the
per-map colour scale of the page would hide anyway.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from lib.conv import ConvError, ConvResult, Stage, analyze
from lib.numeric import pad_or_crop
from lib.state import CONTROL_BY_KEY, PADDING_MODES, Control, parse_query
from lib.text import fmt_int, fmt_shape

#: The weight choices: four classic kernels and seeded random weights.
PRESETS: dict[str, str] = {
    "edge": "Edge (Sobel)", "blur": "Blur (Gaussian)", "sharpen": "Sharpen",
    "emboss": "Emboss", "random": "Random (seeded)",
}
#: Most numbers (all stages' outputs together) one run may compute: 32 MB at float32.
MAX_VALUES = 8_000_000
#: Pictures of feature maps are shown at most this many pixels on a side.
PICTURE_SIDE = 256


class ForwardError(ConvError):
    """A layer this page will not compute (too big); the message says what to lower."""


# ---------------------------------------------------------------------------
# The classic kernels
# ---------------------------------------------------------------------------

def _binomial(w: int) -> np.ndarray:
    """Row w of Pascal's triangle: the 1D Gaussian-like smoothing profile [1, 2, 1] (w=3)."""
    return np.array([math.comb(w - 1, i) for i in range(w)], dtype=float)


def _derivative(w: int) -> np.ndarray:
    """The smoothed difference profile of size w: [-1, 0, 1] (w=3), [-1, -2, 0, 2, 1]
    (w=5): the difference of two shifted binomial rows; [0] for w = 1."""
    if w == 1:
        return np.zeros(1)
    b = _binomial(w - 1)
    return np.concatenate([[0.0], b]) - np.concatenate([b, [0.0]])


def preset_kernel(name: str, w: int) -> np.ndarray:
    """The classic 2D kernel ``name`` at size w×w (the 3×3 ones are the textbook kernels).

    * blur: outer(b, b) / sum, b the binomial row (3×3: [[1,2,1],[2,4,2],[1,2,1]] / 16);
    * edge: outer(b, d) / sum(b), d the derivative row (3×3: Sobel-x / 4, vertical edges);
    * sharpen: 2·identity − blur (unsharp masking: the pixel plus its difference from the
      blur); the weights sum to 1, so flat regions stay as they are;
    * emboss: identity + (outer(b, d) + outer(d, b)) / (sum(b) / 2) (3×3:
      [[-1,-1,0],[-1,1,1],[0,1,1]]), light from the top left.
    """
    if name not in PRESETS or name == "random":
        raise ValueError(f"preset={name!r} is not one of: "
                         f"{', '.join(p for p in PRESETS if p != 'random')}")
    b, d = _binomial(w), _derivative(w)
    identity = np.zeros((w, w))
    identity[(w - 1) // 2, (w - 1) // 2] = 1.0
    blur = np.outer(b, b) / b.sum() ** 2
    if name == "blur":
        return blur
    if name == "edge":
        return np.outer(b, d) / b.sum()
    if name == "sharpen":
        return 2 * identity - blur
    return identity + (np.outer(b, d) + np.outer(d, b)) / (b.sum() / 2)


def turned(kernel: np.ndarray, turns: int) -> np.ndarray:
    """``kernel`` turned by ``turns`` × 90° counter-clockwise (a non-square one is flipped
    upside down and left-right for odd turns, which keeps its shape)."""
    turns %= 4
    if kernel.shape[0] == kernel.shape[1]:
        return np.rot90(kernel, turns)
    return kernel[::-1, ::-1] if turns % 2 else kernel


def separable_factors(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The closest column ⊗ row to ``kernel`` (least squares, from the SVD) and the share
    of the kernel it keeps, σ₁² / Σσ² (1.0 when the kernel is separable)."""
    u, s, vt = np.linalg.svd(kernel)
    total = float(np.sum(s ** 2))
    kept = float(s[0] ** 2 / total) if total > 0 else 1.0
    return u[:, 0] * np.sqrt(s[0]), vt[0] * np.sqrt(s[0]), kept


# ---------------------------------------------------------------------------
# The weights of every stage
# ---------------------------------------------------------------------------

def _preset_weights(r: ConvResult, preset: str) -> list[np.ndarray | None]:
    """Every stage's kernel for a classic preset (see the module docstring)."""
    c = r.spec.c
    out: list[np.ndarray | None] = []
    stages = r.stages
    for n, st in enumerate(stages):
        kh, kw = st.kernel
        if st.op == "channel_sum":
            out.append(None)
            continue
        cin, cout, g = st.in_shape[-1], st.out_shape[-1], st.groups
        if st.op == "depthwise":
            m = cout // cin
            base = preset_kernel(preset, kh)
            kernel = np.stack([turned(base, t) for t in range(m)], axis=-1)  # (kh, kw, m)
            out.append(np.repeat(kernel[:, :, None, :], cin, axis=2))
        elif r.kind == "spatially_separable":
            out.append(_separable_stage(st, n, preset, r.spec.kernel[0], c, cin, cout))
        elif n > 0 and stages[n - 1].op == "depthwise":  # separable's 1×1 after depthwise
            m = stages[n - 1].out_shape[-1] // c
            mix = np.zeros((1, 1, cin, cout))
            for o in range(cout):
                mix[0, 0, [ci * m + o % m for ci in range(c)], o] = 1.0 / c
            out.append(mix)
        else:  # conv, pointwise, grouped, shared (after the sum), transposed
            base = preset_kernel(preset, kh)
            seen = c if (n > 0 and stages[n - 1].op == "channel_sum") else cin // g
            kernels = np.stack([turned(base, o) for o in range(cout)], axis=-1) / seen
            if st.op == "transposed":  # (kh, kw, c, k/g): channel ci scatters its group's
                kg = cout // g
                kernels = kernels * math.prod(st.stride)  # spread over s² cells: keep brightness
                full = np.zeros((kh, kw, cin, kg))
                for ci in range(cin):
                    group = ci // (cin // g)
                    full[:, :, ci, :] = kernels[:, :, group * kg:(group + 1) * kg]
                out.append(full)
            else:
                out.append(np.repeat(kernels[:, :, None, :], cin // g, axis=2))
    return out


def _separable_stage(st: Stage, n: int, preset: str, w: int, c: int, cin: int, cout: int
                     ) -> np.ndarray:
    """Spatially separable: stage 0 holds every filter's column / c on each channel, stage
    1 filter o holds its row on channel o only, so the two make K turned by o."""
    base = preset_kernel(preset, w)
    kernel = np.zeros((*st.kernel, cin, cout))
    for o in range(cout):
        col, row, _ = separable_factors(turned(base, o))
        if n == 0:
            kernel[:, 0, :, o] = col[:, None] / c
        else:
            kernel[0, :, o, o] = row
    return kernel


def _random_weights(r: ConvResult, seed: int) -> list[np.ndarray | None]:
    """He-like normal weights, std 1/sqrt(fan-in), each stage from its own seeded stream."""
    out: list[np.ndarray | None] = []
    for n, st in enumerate(r.stages):
        if st.op == "channel_sum":
            out.append(None)
            continue
        cin, cout, g = st.in_shape[-1], st.out_shape[-1], st.groups
        shape = {"depthwise": (*st.kernel, cin, cout // cin),
                 "transposed": (*st.kernel, cin, cout // g)}.get(st.op,
                                                              (*st.kernel, cin // g, cout))
        fan_in = math.prod(st.kernel) * (cin // g if st.op != "transposed" else cin)
        rng = np.random.default_rng([seed, n])
        out.append(rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=shape))
    return out


def layer_weights(r: ConvResult, preset: str, seed: int = 0) -> list[np.ndarray | None]:
    """Every stage's kernel in lib.numeric's layouts: conv ``(kh, kw, c/g, k)``, depthwise
    ``(kh, kw, c, m)``, transposed ``(kh, kw, c, k/g)``; None for the channel sum."""
    if preset == "random":
        return _random_weights(r, seed)
    return _preset_weights(r, preset)


# ---------------------------------------------------------------------------
# The arithmetic
# ---------------------------------------------------------------------------

def _taps(axes: Sequence, rows: int, cols: int
          ) -> Iterator[tuple[int, int, tuple[slice, slice]]]:
    """Every kernel tap (u, v) with the strided slice it touches: in the padded input for a
    conv (``rows × cols`` = the output), in the full output for a transposed conv
    (``rows × cols`` = the input). Row i of the slice is i·s + u·d."""
    ah, aw = axes
    for u in range(ah.kernel):
        top = u * ah.dilation
        for v in range(aw.kernel):
            left = v * aw.dilation
            yield u, v, (slice(top, top + (rows - 1) * ah.stride + 1, ah.stride),
                         slice(left, left + (cols - 1) * aw.stride + 1, aw.stride))


def _conv(x: np.ndarray, kernel: np.ndarray, axes: Sequence, groups: int) -> np.ndarray:
    """A (grouped) conv over the geometry of ``axes``: one matrix product per kernel tap
    (and group: each group is a conv of its own channels with its own filters)."""
    kh, kw, cg, k = kernel.shape
    if groups > 1:
        kg = k // groups
        return np.concatenate([_conv(x[:, :, g * cg:(g + 1) * cg],
                                     kernel[:, :, :, g * kg:(g + 1) * kg], axes, 1)
                               for g in range(groups)], axis=2)
    ah, aw = axes
    xp = pad_or_crop(x, [(ah.before, ah.after), (aw.before, aw.after)])
    h, w = ah.size_out, aw.size_out
    out = np.zeros((h * w, k), dtype=np.float32)
    taps = kernel.astype(np.float32)
    for u, v, window in _taps(axes, h, w):
        out += xp[window].reshape(h * w, cg) @ taps[u, v]
    return out.reshape(h, w, k)


def _transposed(x: np.ndarray, kernel: np.ndarray, axes: Sequence, groups: int
                ) -> np.ndarray:
    """A transposed conv: every tap scatters x @ kernel[u, v], then the axes' crop."""
    ah, aw = axes
    H, W, c = x.shape
    kh, kw, _, kg = kernel.shape
    cg = c // groups
    full = np.zeros(((H - 1) * ah.stride + ah.extent, (W - 1) * aw.stride + aw.extent,
                     groups, kg), dtype=np.float32)
    xg = x.reshape(H, W, groups, cg)
    taps = kernel.astype(np.float32).reshape(kh, kw, groups, cg, kg)
    for u, v, window in _taps(axes, H, W):
        hit = full[window]
        for g in range(groups):
            hit[:, :, g] += xg[:, :, g] @ taps[u, v, g]
    full = full.reshape(full.shape[0], full.shape[1], groups * kg)
    return pad_or_crop(full, [(-ah.before, -ah.after), (-aw.before, -aw.after)])


def run_stage(x: np.ndarray, st: Stage, kernel: np.ndarray | None) -> np.ndarray:
    """One stage of a layer on ``x`` (H, W, c) with its kernel (layouts as layer_weights)."""
    if st.op == "channel_sum":
        return x.sum(axis=2, keepdims=True)
    assert kernel is not None
    if st.op == "depthwise":
        kh, kw, c, m = kernel.shape
        return _conv(x, kernel.reshape(kh, kw, 1, c * m), st.axes, groups=c)
    if st.op == "transposed":
        return _transposed(x, kernel, st.axes, st.groups)
    return _conv(x, kernel, st.axes, st.groups)


@dataclass(frozen=True, eq=False)
class StageMaps:
    """One stage's output feature maps ``(H_out, W_out, C)`` and the kernel that made them."""

    stage: Stage
    kernel: np.ndarray | None
    maps: np.ndarray


@dataclass(frozen=True, eq=False)
class Forward:
    """A layer run on a picture: lib.conv's analysis, every stage's maps, and notes."""

    result: ConvResult
    stages: tuple[StageMaps, ...]
    notes: tuple[str, ...]

    @property
    def output(self) -> np.ndarray:
        return self.stages[-1].maps


def _check_budget(r: ConvResult) -> None:
    values = sum(math.prod(st.out_shape) for st in r.stages)
    for st in r.stages:
        if st.op == "transposed":
            (ah, aw), (h, w, c) = st.axes, st.in_shape
            values += ((h - 1) * ah.stride + ah.extent) * ((w - 1) * aw.stride + aw.extent) \
                * st.out_shape[-1]
    if values > MAX_VALUES:
        raise ForwardError(
            f"this layer makes {fmt_int(values)} numbers (output "
            f"{fmt_shape(r.output_shape)}); this page computes at most {fmt_int(MAX_VALUES)}. "
            "Lower k, the stride (transposed) or the depth multiplier.")


def _notes(r: ConvResult, preset: str) -> tuple[str, ...]:
    notes: list[str] = []
    if preset == "random":
        return ("Random weights: normal, standard deviation 1/√(fan-in), fixed by the seed; "
                "all biases 0.",)
    w = r.spec.kernel[0]
    if r.kind == "pointwise" or w == 1:
        notes.append(f"A 1×1 kernel sees no neighbours: the {preset} kernel at 1×1 is "
                     + ("0, so every map is 0." if preset == "edge"
                        else "the identity, so each map is a mix of the input channels."))
    elif preset in ("edge", "emboss"):
        notes.append("Filter o uses the kernel turned by o × 90°: the maps alternate "
                     "between directions.")
    if r.kind == "spatially_separable" and w > 1:
        _, _, kept = separable_factors(preset_kernel(preset, w))
        if kept < 1 - 1e-9:
            notes.append(f"{PRESETS[preset]} is not separable: a (kh×1) then (1×kw) pair can "
                         f"only make the closest column × row product, which keeps "
                         f"{kept:.0%} of the kernel (SVD).")
    notes.append("Biases are 0: a bias would shift a whole map, which the per-map colours "
                 "hide anyway.")
    return tuple(notes)


def run_layer(pixels: np.ndarray, preset: str = "edge", seed: int = 0, **layer: object
              ) -> Forward:
    """Analyse the layer ``layer`` (``analyze``'s arguments without c, H, W) on ``pixels``
    (H, W, c) and compute every stage. Raises ConvError (a ValueError) naming the value
    when the layer can't be built on this picture, ForwardError when it is too big."""
    if preset not in PRESETS:
        raise ConvError(f"preset={preset!r} is not one of: {', '.join(PRESETS)}")
    x = np.asarray(pixels, dtype=np.float32)
    if x.ndim != 3:
        raise ConvError(f"the picture must be (H, W, c), got shape {x.shape}")
    H, W, c = x.shape
    r = analyze(c=c, H=H, W=W, **layer)  # type: ignore[arg-type]
    if r.rank != 2:
        raise ConvError("only 2D layers run on a picture")
    _check_budget(r)
    weights = layer_weights(r, preset, seed)
    maps: list[StageMaps] = []
    for st, kernel in zip(r.stages, weights):
        x = run_stage(x, st, kernel)
        maps.append(StageMaps(st, kernel, x))
    return Forward(r, tuple(maps), _notes(r, preset))


# ---------------------------------------------------------------------------
# Pictures of maps (for st.image)
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Picture:
    """A feature map as 8-bit RGB and the caption that says how to read its colours."""

    rgb: np.ndarray
    caption: str


def picture(values: np.ndarray, title: str) -> Picture:
    """One map as a picture: grey (black = 0, white = bright) when it has no negative values;
    otherwise blue (negative) – white (0) – red (positive), symmetric around 0.

    Each map has its own scale, from 0 to the 99th percentile of |value| (a few extreme
    cells, such as the zero-padded border, would otherwise wash out every edge inside);
    the caption gives the true range. Maps larger than :data:`PICTURE_SIDE` are shown
    every n-th pixel."""
    a = np.nan_to_num(np.asarray(values, dtype=np.float64))
    step = max(1, math.ceil(max(a.shape) / PICTURE_SIDE))
    low, high = float(a.min()), float(a.max())
    shown = a[::step, ::step]
    top = max(abs(low), abs(high))
    scale = f"{low:.3g} … {high:.3g}"
    if top < 1e-12:
        rgb = np.full((*shown.shape, 3), 255, dtype=np.uint8)
        scale = "all 0"
    else:
        usual = float(np.percentile(np.abs(a), 99))
        top = usual if usual > top * 1e-3 else top  # mostly zeros: the largest value
        t = np.clip(shown / top, -1, 1)
        if low >= -1e-9 * abs(high):
            grey = np.round(np.clip(t, 0, 1) * 255).astype(np.uint8)
            rgb = np.stack([grey] * 3, axis=-1)
        else:
            pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
            rgb = np.round(np.stack([1 - neg, 1 - pos - neg, 1 - pos], axis=-1) * 255)
            rgb = np.clip(rgb, 0, 255).astype(np.uint8)
    size = f", shown at 1/{step}" if step > 1 else ""
    return Picture(rgb, f"{title} ({scale}{size})")


# ---------------------------------------------------------------------------
# The "On a real image" page's URL-bound controls
# ---------------------------------------------------------------------------

#: Where the picture comes from: the bundled sample or an upload (an upload is never in a
#: link: a link to ``img=upload`` opens the uploader and shows the sample until a file comes).
PICTURES: dict[str, str] = {"sample": "Sample picture", "upload": "My own (PNG or JPEG upload)"}


def _explorers(key: str, **changes: object) -> Control:
    """The explorer's control ``key`` under this page's key ``i<key>`` (same label and
    meaning; ``changes`` narrow the range or change the default)."""
    return replace(CONTROL_BY_KEY[key], key=f"i{key}", **changes)


#: Prefixed with ``i`` so they never collide with the explorer's keys in one session (the
#: ranges differ: this page computes every number of every map).
REAL_IMAGE_CONTROLS: tuple[Control, ...] = (
    Control("img", "Picture", "sample", choices=tuple(PICTURES),
            labels=tuple(PICTURES.values())),
    _explorers("kind"),
    Control("ipre", "Weights", "edge", choices=tuple(PRESETS), always_in_url=True,
            labels=tuple(PRESETS.values())),
    Control("iseed", "random seed", 0, 0, 999_999),
    _explorers("k", default=8, high=32),
    _explorers("w", default=3),
    _explorers("s"),
    _explorers("pad", default="same", choices=PADDING_MODES[:3]),
    _explorers("p"),
    _explorers("d"),
    _explorers("g", high=3),  # a picture has 1 (grey) or 3 (RGB) channels
    _explorers("dm"),
    _explorers("op"),
)
#: Which lib.conv argument each layer control feeds (for "does it apply to this kind?").
IMAGE_ARGS: dict[str, str] = {"ik": "k", "iw": "w", "is": "stride", "ipad": "padding",
                              "ip": "padding", "id": "dilation", "ig": "groups",
                              "idm": "depth_multiplier", "iop": "output_padding"}


def parse_image_query(query: Mapping[str, object],
                      controls: Sequence[Control] = REAL_IMAGE_CONTROLS
                      ) -> tuple[dict[str, object], list[str]]:
    """Raw query parameters -> valid control values and warnings naming each bad value."""
    return parse_query(query, controls)


def layer_kwargs(values: Mapping[str, object]) -> dict[str, object]:
    """Control values -> ``run_layer``'s layer arguments (analyze's, without c, H, W)."""
    pad = values.get("ipad", "same")
    return {"kind": values["ikind"], "k": int(values["ik"]), "w": int(values["iw"]),
            "stride": int(values.get("is", 1)),
            "padding": int(values.get("ip", 1)) if pad == "explicit" else str(pad),
            "dilation": int(values.get("id", 1)), "groups": int(values.get("ig", 1)),
            "depth_multiplier": int(values.get("idm", 1)),
            "output_padding": int(values.get("iop", 0))}


def explorer_query(values: Mapping[str, object], shape: tuple[int, int, int]
                   ) -> dict[str, str]:
    """The explorer's link for the same layer on an input of ``shape`` (H, W, c): it shows
    the same shapes, parameters and formulas (the explorer's keys, not this page's)."""
    layer = layer_kwargs(values)
    H, W, c = shape
    pad = layer["padding"]
    query = {"kind": str(layer["kind"]), "k": str(layer["k"]), "w": str(layer["w"]),
             "c": str(c), "H": str(H), "W": str(W), "s": str(layer["stride"]),
             "pad": "explicit" if isinstance(pad, int) else str(pad),
             "d": str(layer["dilation"]), "g": str(layer["groups"]),
             "dm": str(layer["depth_multiplier"]), "op": str(layer["output_padding"])}
    if isinstance(pad, int):
        query["p"] = str(pad)
    return query
