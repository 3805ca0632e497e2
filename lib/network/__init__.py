"""A stack of layers, Keras-style: shapes, parameters and MACs of a whole small network.

Why: one conv layer's 490 parameters only make sense next to the network they sit in. Here
a student stacks layers from an input shape and sees, per layer, the output shape, the
parameters, the MACs, each layer's share of the totals and how the receptive field grows —
exactly the numbers ``model.summary()`` prints, plus the ones it does not.

Spatial rank 1, 2 or 3, like :mod:`lib.conv` (one implementation, the spatial sizes as a
tuple): the input shape is channels-last, ``(W, c)`` for a sequence (audio, text),
``(H, W, c)`` for an image, ``(D, H, W, c)`` for a volume (video frames, CT slices), and
every conv / pooling layer carries one value per spatial axis, in the order (D, H, W).

* Every conv layer is :func:`lib.conv.analyze` on the previous layer's output shape (all
  conv kinds of ``lib.conv.KINDS`` that exist at that rank; 1D padding may be
  ``"causal"``); this module never re-types a conv formula.
* Max / average pooling (``pool size``, ``stride`` defaulting to the pool size, padding
  ``"valid"``/``"same"`` as Keras MaxPooling1D/2D/3D) use ``lib.conv.conv_axis``: a pooling
  window moves like a conv kernel (dilation 1). Pooling has **no weights, so 0 MACs**: its
  comparisons or additions are not multiply-accumulates with weights (``FlopCounterMode``
  counts 0 too).
* Global average pooling: ``(..., C) -> (C,)``. Flatten: ``(H, W, C) -> (H·W·C,)``.
* Dense on a flat input of ``n`` values: ``params = n·units + units`` (with bias),
  ``MACs = n·units`` (the bias additions are not MACs).
* Receptive field (input cells one value depends on), per axis, through convs and pools:
  ``rf += (extent - 1) · jump; jump *= stride``, with ``extent = d·(k - 1) + 1`` of each
  stage (:class:`lib.conv.Axis`). Global pooling and dense layers see the whole input.
  Through a transposed conv the field is not tracked (it would need fractional jumps).

Keras names (``conv2d``, ``conv1d_1``, ``max_pooling3d``, ``dense``) are the auto-names of a
fresh Keras session (``keras.utils.clear_session()``), one per real Keras layer: a conv
kind that Keras builds from two layers (e.g. an explicit padding: ``ZeroPadding2D`` +
``Conv2D``) has two, taken from ``lib.snippets`` (every rank), which also writes the
per-layer code: e.g. Keras has no DepthwiseConv3D, so a 3D depthwise conv is a
``Conv3D(groups=c)``; PyTorch has no ``padding="causal"``, so a causal conv is an
``nn.ZeroPad1d((d·(k−1), 0))`` in front of ``nn.Conv1d``.

The stack as text (one URL parameter, ``net=``)
-----------------------------------------------
Pieces separated by commas; the first may be the input (default ``in32x32x3``):
``in<W>x<c>`` (1D), ``in<H>x<W>x<c>`` (2D) or ``in<D>x<H>x<W>x<c>`` (3D). It sets the rank
of every layer after it. Sizes are one number for every axis (``3``) or one per axis
(``3x5`` in 2D, ``1x3x3`` in 3D). Each piece is a head, then ``-``-separated parts::

    c3x3-32      standard conv, 3×3 kernel, 32 filters  (Keras Conv2D; c2-16 in 1D)
    pw-64        pointwise 1×1 conv, 64 filters
    gc3x3-64-g4  grouped conv (groups 4)
    dw3x3        depthwise conv (no filter count: C_out = c × m; option m2)
    sep3x3-64    depthwise separable, Keras SeparableConv2D (one bias)
    sept3x3-64   depthwise separable, PyTorch depthwise + 1×1 (two biases)
    sh4x4-10     one kernel shared across the input channels
    t3x3-16      transposed conv
    ss3x3-16     spatially separable (3×1 then 1×3)
    mp2, ap3     max / average pooling with pool size 2 / 3 (stride = pool size)
    gap          global average pooling
    flat         flatten
    d10          dense, 10 units

Options (any order after the filter count): ``s2`` stride, ``same`` / ``valid`` padding,
``causal`` (1D convs), ``p1`` explicit zeros per side (convs only), ``d2`` dilation, ``g4``
groups, ``m2`` depth multiplier, ``op1`` output padding, ``nb`` no bias (convs and dense).
Pools take only ``s`` and ``same``/``valid``. Examples:
``in32x32x3,c3x3-32-same,c3x3-32-same,mp2,flat,d10``; a WaveNet-style causal dilated stack
``in64x16,c2-16-causal,c2-16-causal-d2,c2-16-causal-d4,c2-16-causal-d8``; a C3D-style video
layer ``in16x112x112x3,c3x3x3-64-same,mp1x2x2``.
:func:`parse_net` raises :class:`NetworkError` naming the piece and the rule;
``parse_net(serialise_net(x)) == x`` for every spec whose layers have the input's rank.

Modules
-------
:mod:`~lib.network.layers` (the specs, a layer in words, another rank),
:mod:`~lib.network.build` (:func:`build_network`, the results, standard vs separable),
:mod:`~lib.network.grammar` (the text), :mod:`~lib.network.code` (Keras / PyTorch code and
summaries), :mod:`~lib.network.presets`, :mod:`~lib.network.editor` (the page's table).
Import from ``lib.network``: every public name is here.
"""

from __future__ import annotations

from .build import (Comparison, LayerRow, NetworkResult, build_network, compare_with_standard,
                    pool_axes)
from .code import keras_code, keras_summary, pytorch_code, summary_text
from .editor import (TABLE_COLUMNS, TABLE_TYPES, apply_table_edits, from_table, table_types,
                     to_table)
from .grammar import (CONV_CODES, DEFAULT_INPUT, GRAMMAR_HELP, parse_net, serialise_layer,
                      serialise_net)
from .layers import (MAX_LAYERS, OPS, RANKS, LayerSpec, NetworkError, NetworkSpec, Sizes,
                     avg_pool, conv, dense, describe, flatten, gap, has_separable, keras_class,
                     max_pool, standard_twin, to_rank, with_input)
from .presets import (DEFAULT_NET, DEFAULT_PRESET, PRESETS, WAVENET_DILATIONS, Preset,
                      preset_of, unreadable_message)

__all__ = [
    "CONV_CODES", "Comparison", "DEFAULT_INPUT", "DEFAULT_NET", "DEFAULT_PRESET",
    "GRAMMAR_HELP", "LayerRow", "LayerSpec", "MAX_LAYERS", "NetworkError", "NetworkResult",
    "NetworkSpec", "OPS", "PRESETS", "Preset", "RANKS", "Sizes", "TABLE_COLUMNS",
    "TABLE_TYPES", "WAVENET_DILATIONS", "apply_table_edits", "avg_pool", "build_network",
    "compare_with_standard", "conv", "dense", "describe", "flatten", "from_table", "gap",
    "has_separable", "keras_class", "keras_code", "keras_summary", "max_pool", "parse_net",
    "pool_axes", "preset_of", "pytorch_code", "serialise_layer", "serialise_net",
    "standard_twin", "summary_text", "table_types", "to_rank", "to_table",
    "unreadable_message", "with_input",
]
