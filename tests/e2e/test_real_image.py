"""The "On a real image" page in a real browser: real uploads through Streamlit's file
uploader (Playwright's set_input_files), a good PNG, one over the 1 MB limit and one that
is not an image; the page keeps working after each."""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.helpers import EXCEPTION, metric, open_app, wait_for_app_idle

UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def upload(page: Page, name: str, data: bytes, mime: str = "image/png") -> None:
    page.locator(UPLOAD).set_input_files(files=[{"name": name, "mimeType": mime,
                                                 "buffer": data}])


def test_an_uploaded_png_runs_through_the_layer(page: Page):
    open_app(page, "/real_image?img=upload&ik=4")
    expect(metric(page, "Input (H×W×c)")).to_have_text("128×128×3")  # the sample meanwhile
    y, x = np.mgrid[0:200, 0:300]
    picture = np.stack([x % 256, y % 256, (x + y) % 256], -1).astype(np.uint8)
    picture[50:150, 100:200] = (250, 20, 20)
    upload(page, "my photo.png", png(picture))
    expect(metric(page, "Input (H×W×c)")).to_have_text("171×256×3")
    expect(metric(page, "Output (H×W×C)")).to_have_text("171×256×4")
    expect(page.get_by_text("Shrunk from 300×200 to 256×171 pixels")).to_be_visible()
    wait_for_app_idle(page)
    maps = page.get_by_test_id("stImageCaption").filter(has_text=re.compile(r"^map \d"))
    expect(maps).to_have_count(4)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_file_over_one_megabyte_is_refused_and_the_sample_stays(page: Page):
    open_app(page, "/real_image?img=upload")
    noise = np.random.default_rng(0).integers(0, 256, (700, 700, 3), dtype=np.uint8)
    data = png(noise)
    assert len(data) > 1024 * 1024
    upload(page, "huge.png", data)
    # Streamlit's uploader refuses it before it reaches the server (server.maxUploadSize = 1)
    expect(page.get_by_text(re.compile(r"File must be 1(\.0)?MB or smaller"))).to_be_visible()
    wait_for_app_idle(page)
    expect(metric(page, "Input (H×W×c)")).to_have_text("128×128×3")
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_not_an_image_then_a_kernel_larger_than_the_picture(page: Page):
    """Each is named in a message; the page keeps working (sample, then the input shown)."""
    open_app(page, "/real_image?img=upload&iw=11&ipad=valid")
    expect(metric(page, "Output (H×W×C)")).to_have_text("118×118×8")  # the sample
    upload(page, "notes.png", b"these are my lecture notes, not a picture\n")
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        "This upload can't be used: This file is not a PNG or JPEG image")
    expect(metric(page, "Input (H×W×c)")).to_have_text("128×128×3")
    # a real but tiny picture: the 11×11 kernel does not fit in 10 rows
    upload(page, "tiny.png", png(np.full((10, 12, 3), 200, np.uint8)))
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        "can't run on this 10×12×3 picture: kernel 11 is larger than padded input 10 along H")
    expect(page.get_by_test_id("stImageCaption").filter(has_text="red channel")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
