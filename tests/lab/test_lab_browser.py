"""The lab in a real browser: Debian's chromium, headless, driven by Playwright, against a live server.

Each test loads a page, types into it, waits for the model's answer and
checks what is shown; screenshots go to the test's temporary folder.
Without chromium these tests skip, unless RNNLAB_REQUIRE_BROWSER is set
(``.ci/run`` sets it and installs chromium), where they fail.
"""

import os
import shutil
import socket
import threading
import time

import pytest
from PIL import Image

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from rnnlab.lab import make_app  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("RNNLAB_REQUIRE_BROWSER"):
        raise RuntimeError("the browser tests need chromium: apt-get install -y chromium")
    pytest.skip("no chromium on this machine (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(runs_folder):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(make_app([runs_folder]), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not running.started:
        assert time.time() < deadline, "the lab's server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert not errors, f"the page's scripts failed: {errors}"


def test_runs_page_lists_the_runs_and_opens_one(page, server, tmp_path):
    page.goto(server + "/")
    page.wait_for_selector("#runs tr.run")
    rows = page.locator("#runs tr.run")
    assert rows.count() == 7
    assert "charlm" in page.inner_text("#runs") and "sentiment" in page.inner_text("#runs")
    page.screenshot(path=str(tmp_path / "runs.png"))
    page.click("tr.run[data-run=sent]")
    page.wait_for_selector("#curves polyline.series")
    assert "sentiment: sent" in page.inner_text("h2")
    assert page.locator("img.figure").count() >= 1


def test_language_model_page_samples_and_colours_by_a_unit(page, server, tmp_path):
    page.goto(server + "/#/run/lm")
    page.wait_for_selector("#sample span")
    page.fill("input[name=prefix]", "ma")
    page.fill("input[name=seed]", "7")
    page.click("#sample-button")
    page.wait_for_function("document.querySelector('#sample').textContent.startsWith('ma')")
    text = page.inner_text("#sample")
    assert page.locator("#sample span").count() == len(text)
    before = page.locator("#sample span").first.get_attribute("data-value")
    page.select_option("select[name=signal]", "f")  # colour by the forget gate instead
    page.wait_for_function(f"document.querySelector('#sample span').dataset.value !== '{before}'")
    values = [float(v) for v in page.eval_on_selector_all("#sample span", "s => s.map(x => x.dataset.value)")]
    assert all(0 < v < 1 for v in values)
    page.hover("#sample span >> nth=1")
    assert "next:" in page.inner_text("#tip")
    assert page.locator("#correlated a").count() > 0
    page.screenshot(path=str(tmp_path / "charlm.png"))


def test_sentiment_page_classifies_as_one_types(page, server, tmp_path):
    page.goto(server + "/#/run/sent")
    page.wait_for_selector("#words span")
    page.fill("#sentence", "")
    page.type("#sentence", "a truly wonderful and moving film")
    page.wait_for_function("document.querySelectorAll('#words span').length === 6")
    words = page.eval_on_selector_all("#words span", "s => s.map(x => x.textContent)")
    assert words == ["a", "truly", "wonderful", "and", "moving", "film"]
    assert page.locator("#probs tr").count() == 2
    shown = sum(float(p) for p in page.eval_on_selector_all("#probs td.p", "c => c.map(x => x.textContent)"))
    assert abs(shown - 1) < 0.01
    page.screenshot(path=str(tmp_path / "sentiment.png"))


def test_translation_page_shows_the_beam_and_the_attention(page, server, tmp_path):
    page.goto(server + "/#/run/mt")
    page.wait_for_selector("#nbest li")
    page.fill("#source", "forty two")
    page.fill("input[name=beam]", "3")
    page.click("#translate-button")
    page.wait_for_function("document.querySelectorAll('#nbest li').length === 3")
    assert [t.strip() for t in page.eval_on_selector_all("#attention th.src", "s => s.map(x => x.textContent)")] \
        == ["forty", "two"]
    rows = page.locator("#attention tr.target")
    assert rows.count() >= 1 and page.locator("#attention tr.target >> nth=0 >> td.w").count() == 2
    page.hover("#attention tr.target >> nth=0 >> th")
    assert page.locator("#attention th.lit").count() >= 1
    page.screenshot(path=str(tmp_path / "translate.png"))


def test_tagging_page_tags_as_one_types(page, server):
    page.goto(server + "/#/run/pos")
    page.wait_for_selector("#tags td.tag")
    page.fill("#tag-text", "")
    page.type("#tag-text", "a big red car")
    page.wait_for_function("document.querySelectorAll('#tags th').length === 4")
    assert page.locator("#tags td.tag").count() == 4


def test_recognition_page_steps_through_test_inputs(page, server, tmp_path):
    page.goto(server + "/#/run/ocr")
    page.wait_for_selector("#path span")
    first = page.inner_text("#truth")
    page.click("#next")
    page.wait_for_function(f"document.querySelector('#truth').textContent !== {first!r}")
    assert page.locator("#path span").count() > 3 and page.locator("img.strip").count() == 1
    page.screenshot(path=str(tmp_path / "recognize.png"))


def test_frame_labelling_page_shows_a_clip(page, server, tmp_path):
    page.goto(server + "/#/run/clips")
    page.wait_for_selector("#truth-line span")
    frames = page.locator(".frames img").count()
    assert frames >= 16 and page.locator("#predicted-line span").count() == frames
    page.hover("#predicted-line span >> nth=3")
    assert "frame 3:" in page.inner_text("#tip")
    page.screenshot(path=str(tmp_path / "framelabel.png"))


def test_caption_page_describes_a_test_picture_and_an_upload(page, server, tmp_path):
    page.goto(server + "/#/run/pics")
    page.wait_for_selector("#caption span")
    page.hover("#caption span >> nth=0")
    assert page.locator("#grid span.cell").count() > 1  # the attention over the map's cells
    assert page.locator("#references li").count() >= 1
    picture = tmp_path / "mine.png"
    Image.new("RGB", (50, 50), (20, 20, 220)).save(picture)
    page.set_input_files("#upload", str(picture))
    page.wait_for_function("document.querySelectorAll('#references li').length === 0")
    page.screenshot(path=str(tmp_path / "caption.png"))
    big = tmp_path / "big.bmp"
    Image.new("RGB", (1300, 1300)).save(big)  # 5 MB: refused in the page before it is sent
    page.set_input_files("#upload", str(big))
    page.wait_for_selector(".error")
    assert "at most 4 MB" in page.inner_text(".error")


def test_a_missing_run_shows_a_message(page, server):
    page.goto(server + "/#/run/nothing-here")
    page.wait_for_selector(".error")
    assert "no run 'nothing-here'" in page.inner_text(".error")
