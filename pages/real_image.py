"""On a real image: run the chosen 2D layer on a picture and see every feature map it makes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from lib.conv import KIND_INFO, not_applicable_reason
from lib.forward import (IMAGE_ARGS, PRESETS, REAL_IMAGE_CONTROLS, ConvError,
                         Forward, explorer_query, layer_kwargs, parse_image_query, picture,
                         preset_kernel, run_layer)
from lib.image import MAX_BYTES, LoadedImage, try_load_image
from lib.numeric import matrix_rows
from lib.text import fmt_shape, plural
from pages._shared import (ICON, bound_choice, bound_number, bound_slider, report_url_changes,
                           seed_from_url, sync_url)

PAGE = "real_image"
CONTROLS = REAL_IMAGE_CONTROLS
CONTROL = {c.key: c for c in CONTROLS}
SAMPLE = Path(__file__).resolve().parent.parent / "assets" / "sample.png"
#: Feature maps shown at once; the rest sit behind "+M more".
FIRST_MAPS = 8
MAP_WIDTH = 168


@st.cache_data(max_entries=8, show_spinner=False)
def _decoded(data: bytes) -> tuple[LoadedImage | None, str | None]:
    """Decode once per distinct file (st.cache_data hashes the bytes; nothing on disk)."""
    return try_load_image(data)


@st.cache_resource(max_entries=6, show_spinner=False)
def _forward(digest: str, _image: LoadedImage, preset: str, seed: int,
             layer: tuple[tuple[str, object], ...]) -> tuple[Forward | None, str | None]:
    """The layer on the picture, once per (picture, settings): a resource, not data, so a
    cache hit hands over the arrays without copying them (nothing changes them)."""
    try:
        return run_layer(_image.pixels, preset, seed, **dict(layer)), None
    except ConvError as err:
        return None, str(err)


def _slider(key: str, kind: str, high: int | None = None, disabled: bool = False) -> int:
    reason = not_applicable_reason(kind, IMAGE_ARGS[key])
    return bound_slider(PAGE, CONTROL[key], high, disabled or reason is not None,
                        help=f"Not used here: {reason}." if reason else None)


def _picture() -> tuple[LoadedImage, list[tuple[str, str]]]:
    """The picture to use and what to tell about it: the sample, or a good upload (else the
    sample, with the message saying why). Messages are (kind, text) for the main area."""
    messages: list[tuple[str, str]] = []
    sample = SAMPLE.read_bytes()
    data = sample
    if bound_choice(PAGE, CONTROL["img"]) == "upload":
        upload = st.file_uploader(
            f"A PNG or JPEG, at most 1 MB ({MAX_BYTES:,} bytes)", type=["png", "jpg", "jpeg"],
            key="image_upload", help="Shrunk to at most 256 pixels on the long side. Read "
                                     "in memory only: nothing is saved.")
        if upload is None:
            messages.append(("info", "Choose a PNG or JPEG in the sidebar; until then this "
                                     "is the sample picture."))
        else:
            data = upload.getvalue()
    image, problem = _decoded(data)
    if problem:
        messages.append(("error", f"This upload can't be used: {problem} "
                                  "Showing the sample picture instead."))
        image, _ = _decoded(sample)
    messages += [("info", note) for note in image.notes]
    return image, messages


def _controls(channels: int) -> dict[str, object]:
    """The layer's controls (groups can be at most the picture's channels)."""
    kind = bound_choice(PAGE, CONTROL["ikind"], widget="selectbox")
    st.caption(KIND_INFO[kind].summary)
    preset = bound_choice(PAGE, CONTROL["ipre"], widget="selectbox")
    bound_number(PAGE, CONTROL["iseed"], disabled=preset != "random",
                 help="The same seed always draws the same weights.")
    _slider("ik", kind)
    _slider("iw", kind)
    with st.expander("Stride, padding, dilation, groups…", expanded=False):
        _slider("is", kind)
        pad = bound_choice(PAGE, CONTROL["ipad"],
                           help="valid: no zeros added. same (Keras): H_out = "
                                "ceil(H / stride). explicit: p zeros on every side.")
        _slider("ip", kind, disabled=pad != "explicit")
        _slider("id", kind)
        _slider("ig", kind, high=channels)
        _slider("idm", kind)
        _slider("iop", kind)
    return {c.key: st.session_state.get(c.key, c.default) for c in CONTROLS}


def _shapes(f: Forward) -> None:
    """The input and output shapes as the explorer shows them, and every stage's output."""
    r = f.result
    cols = st.columns(2)
    cols[0].metric("Input (H×W×c)", fmt_shape(r.input_shape))
    cols[1].metric("Output (H×W×C)", fmt_shape(r.output_shape))
    if len(r.stages) > 1:
        st.markdown("Stages: " + " → ".join(f"{s.name} {fmt_shape(s.out_shape)}"
                                             for s in r.stages))


def _maps(title: str, maps, names: list[str]) -> None:
    """Pictures of ``maps`` (H, W, C): the first FIRST_MAPS, then '+M more' to open."""
    pictures = [picture(maps[:, :, i], names[i]) for i in range(maps.shape[2])]
    first, rest = pictures[:FIRST_MAPS], pictures[FIRST_MAPS:]
    st.markdown(f"**{title}**")
    st.image([p.rgb for p in first], caption=[p.caption for p in first], width=MAP_WIDTH,
             output_format="PNG")
    if rest:
        with st.expander(f"+{len(rest)} more"):
            st.image([p.rgb for p in rest], caption=[p.caption for p in rest],
                     width=MAP_WIDTH, output_format="PNG")


def _kernel_table(values: dict[str, object], f: Forward) -> None:
    preset = str(values["ipre"])
    if preset == "random":
        return
    w = f.result.spec.kernel[0] if f.result.kind != "pointwise" else 1
    with st.expander(f"The kernel: {PRESETS[preset]}, {w}×{w}"):
        st.dataframe(matrix_rows(preset_kernel(preset, w), decimals=3), hide_index=True)
        st.caption("Filter o uses it turned by o × 90°; a filter that adds n channels "
                   "gets it divided by n (see the notes).")


def _page(values: dict[str, object], image: LoadedImage) -> None:
    names = image.channel_names
    st.markdown(f"**Input: {fmt_shape(image.shape)}** — "
                f"{plural(image.shape[2], 'channel')} ({', '.join(names)})")
    st.image([image.as_uint8()] + [picture(image.pixels[:, :, i], n).rgb
                                   for i, n in enumerate(names)],
             caption=["the picture"] + [f"{n} channel" for n in names], width=MAP_WIDTH,
             output_format="PNG")
    layer = layer_kwargs(values)
    digest = hashlib.sha256(image.pixels.tobytes()).hexdigest()
    f, error = _forward(digest, image, str(values["ipre"]), int(values["iseed"]),
                        tuple(sorted(layer.items())))
    if error:
        st.error(f"This layer can't run on this {fmt_shape(image.shape)} picture: {error}",
                 icon=ICON["error"])
        st.caption("Change the value in the sidebar; everything else still works.")
        return
    _shapes(f)
    for stage in f.stages[:-1]:
        with st.expander(f"After the {stage.stage.name} step "
                         f"({fmt_shape(stage.maps.shape)})"):
            _maps(stage.stage.role, stage.maps,
                  [f"{stage.stage.name} {i}" for i in range(stage.maps.shape[2])])
    out = f.output
    _maps(f"Output: {plural(out.shape[2], 'feature map')} of "
          f"{fmt_shape(out.shape[:2])}", out, [f"map {i}" for i in range(out.shape[2])])
    st.caption("Grey: black = 0, white = the largest value. Blue–white–red: negative – 0 – "
               "positive. Each map has its own scale (in brackets).")
    for note in f.notes:
        st.caption(note)
    _kernel_table(values, f)
    st.page_link("pages/explorer.py", label="Open this layer in the explorer",
                 icon=ICON["explorer"], query_params=explorer_query(values, image.shape))


def main() -> None:
    seed_from_url(PAGE, CONTROLS, parse_image_query)
    with st.sidebar:
        image, messages = _picture()
        values = _controls(image.shape[2])
    st.title("On a real image")
    notice = st.container()
    for kind, text in messages:
        (st.error if kind == "error" else st.info)(text, icon=ICON["error"] if kind == "error"
                                                    else ICON["picture"])
    _page(values, image)
    report_url_changes(PAGE, CONTROLS, into=notice)
    sync_url(PAGE, CONTROLS)


main()
