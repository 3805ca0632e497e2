"""A student's picture, made safe to run through a conv layer: decode, check, normalise.

``load_image(data)`` takes the raw bytes of an upload (or of ``assets/sample.png``) and
returns a frozen :class:`LoadedImage`: a float32 array ``(H, W, c)`` with values in 0…1,
channels-last like every shape ConvScope shows, ``c = 3`` (RGB) or ``c = 1`` (greyscale
"L"), plus plain-language notes on what was changed (rotated, shrunk, converted). Anything
it cannot use raises :class:`ImageError` whose message names what is wrong and the limit.

Rules (why each):

* PNG or JPEG only, recognised by their first bytes (not by the file name): they are what a
  phone or a screenshot gives, and Pillow is asked to decode nothing else.
* At most :data:`MAX_BYTES` (1 MB) and :data:`MAX_PIXELS` pixels before decoding: a small
  PNG can hold a gigantic image of one colour (a "decompression bomb").
* At least :data:`MIN_SIDE` pixels on each side (after shrinking): a 1×1 image has no
  neighbours for a kernel to look at.
* Shrunk to at most :data:`MAX_SIDE` (256) pixels on the long side, keeping the aspect
  ratio: every feature map stays fast to compute and small to send.
* Turned upright by the EXIF orientation tag (phones store photos sideways and say so there).
* Colour modes: greyscale stays 1 channel (L); 16-bit greyscale is scaled 0…65535 -> 0…1;
  1-bit becomes greyscale; palette, CMYK and other colour modes become RGB; an alpha
  (transparency) channel is composited onto white and dropped.

Nothing is written to disk: the bytes are read from memory (``io.BytesIO``) only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from lib.text import fmt_int

#: Largest upload accepted, in bytes: 1 MB as Streamlit counts it (server.maxUploadSize = 1 in
#: .streamlit/config.toml and nginx's client_max_body_size 1m are the same limit, enforced
#: before the bytes reach this module; this check keeps lib.image safe on its own).
MAX_BYTES = 1024 * 1024
#: Longest side after shrinking, in pixels.
MAX_SIDE = 256
#: Shortest side accepted (after shrinking), in pixels.
MIN_SIDE = 8
#: Most pixels decoded (width × height as stored); larger files are refused unread.
MAX_PIXELS = 25_000_000
#: The formats accepted, with the first bytes that identify them.
SIGNATURES: dict[str, bytes] = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff"}
#: Other formats a student might try, named in the refusal.
_OTHER_SIGNATURES: dict[bytes, str] = {
    b"GIF87a": "a GIF image", b"GIF89a": "a GIF image", b"BM": "a BMP image",
    b"II*\x00": "a TIFF image", b"MM\x00*": "a TIFF image", b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an Office document)", b"<svg": "an SVG drawing",
    b"<?xml": "an XML file (an SVG drawing?)", b"\x00\x00\x01\x00": "an icon (ICO) file",
}
_EXIF_ORIENTATION = 0x0112
_ORIENTATION_WORDS = {  # what turning it upright does, per EXIF orientation value
    2: "mirrored left–right", 3: "turned 180°", 4: "mirrored top–bottom",
    5: "mirrored along its main diagonal", 6: "turned 90° clockwise",
    7: "mirrored along its other diagonal", 8: "turned 90° counter-clockwise",
}


class ImageError(ValueError):
    """An upload that cannot be used; the message names what is wrong and the limit."""


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A picture ready for a conv layer: ``pixels`` is ``(H, W, c)`` float32 in 0…1."""

    pixels: np.ndarray
    mode: str                       # "RGB" (c = 3) or "L" (greyscale, c = 1)
    format: str                     # "PNG" or "JPEG"
    stored_size: tuple[int, int]    # (width, height) in the file, before any change
    notes: tuple[str, ...]          # what was changed, in plain words

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(H, W, c)``: the input shape the explorer would show for this image."""
        return tuple(self.pixels.shape)  # type: ignore[return-value]

    @property
    def channel_names(self) -> tuple[str, ...]:
        return ("red", "green", "blue") if self.mode == "RGB" else ("grey",)

    def as_uint8(self) -> np.ndarray:
        """The picture as 8-bit ``(H, W, 3)`` or ``(H, W)`` for showing it."""
        out = np.round(self.pixels * 255).astype(np.uint8)
        return out if self.mode == "RGB" else out[:, :, 0]


def _what_it_is(data: bytes) -> str | None:
    """The accepted format of ``data`` from its first bytes, or None."""
    for name, signature in SIGNATURES.items():
        if data.startswith(signature):
            return name
    return None


def _refuse_format(data: bytes) -> ImageError:
    for signature, what in _OTHER_SIGNATURES.items():
        if data.lstrip()[:len(signature)] == signature:
            return ImageError(f"This file is {what}, not a PNG or JPEG image. "
                              "Save it as PNG or JPEG and upload that.")
    return ImageError("This file is not a PNG or JPEG image: its first bytes are not a PNG "
                      "or JPEG signature (is it an image at all?).")


def _check_bytes(data: object) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError(f"Expected the file's bytes, got {type(data).__name__}.")
    data = bytes(data)
    if not data:
        raise ImageError("The file is empty (0 bytes).")
    if len(data) > MAX_BYTES:
        raise ImageError(f"The file is {fmt_int(len(data))} bytes "
                         f"({len(data) / MAX_BYTES:.1f} MB); the limit is 1 MB "
                         f"({fmt_int(MAX_BYTES)} bytes). Save a smaller copy (or a JPEG) "
                         "and upload that.")
    return data


def _check_size(width: int, height: int, what: str) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(f"The {what} is {fmt_int(width)}×{fmt_int(height)} = "
                         f"{fmt_int(width * height)} pixels; at most "
                         f"{fmt_int(MAX_PIXELS)} pixels are decoded. Save a smaller copy.")
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"The {what} is only {width}×{height} pixels: too small to "
                         f"convolve; it needs at least {MIN_SIDE}×{MIN_SIDE} pixels.")


def _open(data: bytes, fmt: str) -> Image.Image:
    """Decode (no disk: the bytes stay in memory). Corrupt data -> ImageError."""
    try:
        img = Image.open(io.BytesIO(data), formats=[fmt])
        width, height = img.size
    except Exception as err:  # Pillow raises many kinds (SyntaxError, OSError, ...)
        raise ImageError(f"This {fmt} file is corrupt: its header cannot be read "
                         f"({type(err).__name__}).") from err
    _check_size(width, height, f"{fmt} image")
    if fmt == "JPEG":  # decode at 1/2, 1/4 or 1/8 size when the image is large (fast)
        img.draft(img.mode, (MAX_SIDE, MAX_SIDE))
    try:
        img.load()
    except Exception as err:
        raise ImageError(f"This {fmt} file is corrupt or cut short: its pixels cannot be "
                         f"decoded ({type(err).__name__}). Re-save it and try again.") from err
    return img


def _upright(img: Image.Image, notes: list[str]) -> Image.Image:
    """Apply the EXIF orientation tag (a phone photo stored sideways)."""
    try:
        orientation = int(img.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:  # unreadable EXIF: show the pixels as stored
        notes.append("Its EXIF data could not be read; shown as stored.")
        return img
    if orientation not in _ORIENTATION_WORDS:
        return img
    notes.append(f"Turned upright as its EXIF orientation tag ({orientation}) says: "
                 f"{_ORIENTATION_WORDS[orientation]} (phones store photos sideways).")
    return ImageOps.exif_transpose(img)


def _flatten_alpha(img: Image.Image, mode: str) -> Image.Image:
    """Composite onto white: a transparent pixel shows as the page behind it would."""
    rgba = img.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert(mode)


def _to_pixels(img: Image.Image, data: bytes, fmt: str, notes: list[str]
               ) -> tuple[np.ndarray, str]:
    """Any Pillow mode -> (float32 (H, W, c) in 0…1, "RGB" or "L"), with a note on changes."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(img, dtype=np.float64)
        notes.append("16-bit greyscale: scaled from 0…65,535 to 0…1 and used as greyscale "
                     "(1 channel, c = 1).")
        return np.clip(values / 65535.0, 0, 1).astype(np.float32)[:, :, None], "L"
    if mode == "F":
        values = np.nan_to_num(np.asarray(img, dtype=np.float64))
        notes.append("Floating-point greyscale: clipped to 0…255 and scaled to 0…1 "
                     "(1 channel, c = 1).")
        return np.clip(values / 255.0, 0, 1).astype(np.float32)[:, :, None], "L"
    if fmt == "PNG" and len(data) > 24 and data[24] == 16 and mode in ("RGB", "RGBA"):
        notes.append("16 bits per channel: read at 8 bits per channel (256 levels are "
                     "plenty to see).")
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        mode == "P" and "transparency" in img.info) or (
        mode in ("L", "RGB") and "transparency" in img.info)
    grey = mode in ("L", "LA", "La", "1", "I", "F")
    target = "L" if grey else "RGB"
    if mode == "P":
        notes.append("Palette (indexed-colour) image: converted to RGB (3 channels, c = 3).")
    elif mode == "CMYK":
        notes.append("CMYK (print colours): converted to RGB (3 channels, c = 3).")
    elif mode == "1":
        notes.append("Black-and-white (1-bit): read as greyscale (1 channel, c = 1).")
    elif grey:
        notes.append("Greyscale: 1 input channel (c = 1), kept as greyscale.")
    elif mode not in ("RGB", "RGBA", "RGBa"):
        notes.append(f"Colour mode {mode}: converted to RGB (3 channels, c = 3).")
    if has_alpha:
        img = _flatten_alpha(img, target)
        notes.append("Had an alpha (transparency) channel: composited onto white and "
                     "dropped.")
    else:
        img = img.convert(target)
    pixels = np.asarray(img, dtype=np.float32) / 255.0
    return (pixels if target == "RGB" else pixels[:, :, None]), target


def _shrunk(img: Image.Image, notes: list[str]) -> Image.Image:
    width, height = img.size
    if max(width, height) <= MAX_SIDE:
        return img
    scale = MAX_SIDE / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    notes.append(f"Shrunk from {width}×{height} to {size[0]}×{size[1]} pixels "
                 f"(width×height; at most {MAX_SIDE} on the long side).")
    return img.resize(size, Image.Resampling.LANCZOS if img.mode not in ("P", "1")
                      else Image.Resampling.NEAREST)


def load_image(data: bytes) -> LoadedImage:
    """Decode and normalise an upload (see the module docstring for every rule).

    Raises :class:`ImageError` naming what is wrong: not PNG/JPEG, empty, over 1 MB,
    corrupt or cut short, too many pixels, too small.
    """
    data = _check_bytes(data)
    fmt = _what_it_is(data)
    if fmt is None:
        raise _refuse_format(data)
    img = _open(data, fmt)
    stored = img.size
    notes: list[str] = []
    img = _upright(img, notes)
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        img = _shrunk(img, notes) if img.mode in ("I", "F") else _shrunk(
            img.convert("I"), notes)
    else:
        img = _shrunk(img, notes)
    width, height = img.size
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"After shrinking to {MAX_SIDE} pixels on the long side this "
                         f"{stored[0]}×{stored[1]} image is {width}×{height}: too thin to "
                         f"convolve (at least {MIN_SIDE} pixels on each side). Crop it "
                         "closer to a square.")
    pixels, mode = _to_pixels(img, data, fmt, notes)
    return LoadedImage(pixels, mode, fmt, stored, tuple(notes))


def try_load_image(data: bytes) -> tuple[LoadedImage | None, str | None]:
    """``load_image`` for a page: the image, or the message to show instead."""
    try:
        return load_image(data), None
    except ImageError as err:
        return None, str(err)
