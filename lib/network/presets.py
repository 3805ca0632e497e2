"""Ready-made stacks worth looking at (VGG block, MobileNet-v1, WaveNet, C3D, the classic
question) and what the page says about a stack it can't read.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.text import code_span

from .grammar import serialise_net
from .layers import LayerSpec, NetworkError, NetworkSpec, conv, dense, flatten, gap, max_pool


@dataclass(frozen=True)
class Preset:
    """A ready-made stack with why it is worth looking at."""

    key: str
    label: str
    about: str
    spec: NetworkSpec


def _mobilenet_blocks(full: bool) -> tuple[LayerSpec, ...]:
    """MobileNet-v1 (α = 1): a 3×3 stride-2 conv, then depthwise separable blocks.

    The paper puts BatchNorm + ReLU after every conv and no bias; without BatchNorm we use
    ``bias=False`` everywhere, so Keras SeparableConv2D (one bias) and PyTorch's depthwise
    + pointwise pair (two biases) have the same parameters.
    """
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1)]
    if full:
        blocks += [(512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    layers = [conv(32, 3, stride=2, padding="same", bias=False)]
    layers += [conv(k, 3, "separable_keras", stride=s, padding="same", bias=False)
               for k, s in blocks]
    if full:
        layers += [gap(), dense(1000)]
    return tuple(layers)


#: WaveNet's dilations (van den Oord et al. 2016): 1, 2, 4, 8 double the receptive field.
WAVENET_DILATIONS = (1, 2, 4, 8)

PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset("vgg_block", "Small VGG-style block",
           "Two 3×3 convs with 'same' padding, a 2×2 max pool, flatten and a dense "
           "classifier: the dense layer holds most of the parameters, the convs most of "
           "the MACs.",
           NetworkSpec((32, 32, 3), (conv(32, 3, padding="same"), conv(32, 3, padding="same"),
                                     max_pool(2), flatten(), dense(10)))),
    Preset("classic", "One Conv2D: 32×32×3, 10 filters of 4×4",
           "The walkthrough's question: 10 × (4·4·3 + 1) = 490 parameters, output 29×29×10.",
           NetworkSpec((32, 32, 3), (conv(10, 4),))),
    Preset("shared", "One kernel shared across channels (170)",
           "The tempting wrong answer made real: sum the 3 channels, then 10 filters of 4×4 "
           "with one kernel each: 10 × (4·4 + 1) = 170.",
           NetworkSpec((32, 32, 3), (conv(10, 4, "shared_channels"),))),
    Preset("mobilenet_blocks", "MobileNet-v1, first blocks",
           "224×224×3: a 3×3 stride-2 conv, then depthwise separable blocks 64, 128 (s2), "
           "128, 256 (s2), 256. Bias off (the paper uses BatchNorm instead).",
           NetworkSpec((224, 224, 3), _mobilenet_blocks(False))),
    Preset("mobilenet_v1", "MobileNet-v1, whole network",
           "All 13 depthwise separable blocks, global average pooling and a 1,000-way dense "
           "layer: the paper's 4.2 M parameters and 569 M mult-adds.",
           NetworkSpec((224, 224, 3), _mobilenet_blocks(True))),
    Preset("wavenet", "WaveNet: causal dilated Conv1D stack (1D)",
           "A sequence of 64 steps with 16 channels through four Conv1D layers of 16 filters, "
           "kernel 2, padding 'causal', dilation 1, 2, 4, 8. Every layer has the same "
           "2·16·16 + 16 = 528 parameters and 64·16·16·2 = 32,768 MACs, yet the receptive "
           "field doubles: 2, 4, 8, 16 steps. Causal: d·(k−1) zeros on the left only, so no "
           "output sees a future step.",
           NetworkSpec((64, 16), tuple(conv(16, 2, padding="causal", dilation=d, rank=1)
                                       for d in WAVENET_DILATIONS))),
    Preset("c3d", "C3D: 3D conv on 16 video frames (3D)",
           "16 frames of 112×112×3 through C3D's first layer, a Conv3D with 64 filters of "
           "3×3×3 and 'same' padding: 64 × (3·3·3·3 + 1) = 5,248 parameters but 1.04 G MACs "
           "(output 16×112×112×64). Then C3D's pool1 (1×2×2: space only, time kept), global "
           "average pooling and a 101-way classifier (UCF101).",
           NetworkSpec((16, 112, 112, 3), (conv(64, 3, padding="same", rank=3),
                                           max_pool((1, 2, 2)), gap(), dense(101)))),
)}

DEFAULT_PRESET = "vgg_block"


def preset_of(spec: NetworkSpec) -> str | None:
    """The key of the preset that is exactly this stack, or None."""
    for key, p in PRESETS.items():
        if p.spec == spec:
            return key
    return None


#: The stack the page opens with (and falls back to when a link can't be read).
DEFAULT_NET = serialise_net(PRESETS[DEFAULT_PRESET].spec)


def unreadable_message(text: str, err: NetworkError, fallback: NetworkSpec) -> str:
    """What the page says about stack text (typed, or from a ``net=`` link) it can't read."""
    key = preset_of(fallback)
    shown = (f"the preset '{PRESETS[key].label}'" if key
             else "the last stack that could be read")
    return f"net={code_span(text, 40)} can't be read: {err}. Showing {shown}."

