"""End to end: Debian's Chromium drives the web page against a real uvicorn server on loopback.

Needs /usr/bin/chromium and /usr/bin/chromedriver (scripts/bootstrap.sh installs them). Without them
these tests skip, unless UNSPIN_REQUIRE_BROWSER=1 (set in CI), where they fail instead.
Set UNSPIN_SCREENSHOT_DIR to keep screenshots of the result pages.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import PhraseListAnalyzer
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as visible
from selenium.webdriver.support.wait import WebDriverWait
from servers import serving

from unspin.service import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1000",
)
WAIT_SECONDS = 20
REAL_PIPELINE_WAIT_SECONDS = 120  # the first request loads the language resources

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    message = "needs Debian chromium and chromium-driver (run scripts/bootstrap.sh)"
    if os.environ.get("UNSPIN_REQUIRE_BROWSER"):
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="module")
def download_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory, download_dir) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(download_dir), "download.prompt_for_download": False},
    )
    # An explicit driver path keeps selenium-manager from trying to download anything.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    with serving(create_app(PhraseListAnalyzer(), max_bytes=100_000)) as url:
        yield url


def analyze_in_page(browser, url: str, text: str, wait_seconds: float = WAIT_SECONDS) -> None:
    browser.get(url)
    box = browser.find_element(By.ID, "input-text")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "analyze-button").click()
    WebDriverWait(browser, wait_seconds).until(
        lambda driver: (
            driver.find_element(By.ID, "results").is_displayed()
            or driver.find_element(By.ID, "error").is_displayed()
        )
    )


def hover_card_for(browser, mark) -> str:
    ActionChains(browser).move_to_element(mark).perform()
    card = WebDriverWait(browser, WAIT_SECONDS).until(
        visible.visibility_of_element_located((By.ID, "hover-card"))
    )
    return card.text


def save_screenshot(browser, name: str) -> None:
    folder = os.environ.get("UNSPIN_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


def test_pasted_text_gets_highlights_hover_card_score_and_diff(browser, page_url):
    # The emoji is two UTF-16 units but one code point: offsets must still land on the phrase.
    analyze_in_page(browser, page_url, "🙂 We trained a profound learning model on the data.")

    marks = browser.find_elements(By.CSS_SELECTOR, "#highlighted mark.spun")
    assert [mark.text for mark in marks] == ["profound learning"]
    assert marks[0].get_attribute("data-original") == "deep learning"
    card = hover_card_for(browser, marks[0])
    assert "deep learning" in card
    assert "90%" in card and "fingerprint" in card
    save_screenshot(browser, "results-fake-analyzer")

    assert browser.find_element(By.ID, "score-value").text == "0.95"
    assert browser.find_element(By.ID, "verdict").text == "likely spun"
    assert browser.find_element(By.ID, "score-meter").get_attribute("value") == "0.95"
    diff = browser.find_element(By.ID, "restored-diff")
    assert [d.text for d in diff.find_elements(By.TAG_NAME, "del")] == ["profound"]
    assert [i.text for i in diff.find_elements(By.TAG_NAME, "ins")] == ["deep"]
    assert diff.text == "🙂 We trained a profounddeep learning model on the data."


def test_markup_in_user_text_is_shown_as_text_not_run(browser, page_url):
    payload = "<img src=x onerror=\"document.title='pwned'\"> a profound learning <b>model</b>"
    analyze_in_page(browser, page_url, payload)
    highlighted = browser.find_element(By.ID, "highlighted")
    assert highlighted.find_elements(By.TAG_NAME, "img") == []
    assert highlighted.find_elements(By.TAG_NAME, "b") == []
    assert highlighted.text == payload
    assert browser.title != "pwned"


def test_uploaded_file_is_analyzed_and_shown_in_the_text_box(browser, page_url, tmp_path):
    upload = tmp_path / "abstract.txt"
    upload.write_bytes("\ufeffAn irregular woodland beats a profound learning model.".encode())
    browser.get(page_url)
    browser.find_element(By.ID, "file-input").send_keys(str(upload))
    marks = WebDriverWait(browser, WAIT_SECONDS).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "#highlighted mark.spun")
    )
    assert [mark.text for mark in marks] == ["irregular woodland", "profound learning"]
    box_text = browser.find_element(By.ID, "input-text").get_attribute("value")
    assert box_text == "An irregular woodland beats a profound learning model."
    diff = browser.find_element(By.ID, "restored-diff")
    # A two-word replacement reads as one change, not two interleaved ones.
    assert [d.text for d in diff.find_elements(By.TAG_NAME, "del")] == [
        "irregular woodland",
        "profound",
    ]
    assert [i.text for i in diff.find_elements(By.TAG_NAME, "ins")] == ["random forest", "deep"]


def test_binary_upload_shows_the_servers_error(browser, page_url, tmp_path):
    upload = tmp_path / "image.png"
    upload.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    browser.get(page_url)
    browser.find_element(By.ID, "file-input").send_keys(str(upload))
    error = WebDriverWait(browser, WAIT_SECONDS).until(
        visible.visibility_of_element_located((By.ID, "error"))
    )
    assert "NUL bytes" in error.text and "415" in error.text
    assert not browser.find_element(By.ID, "results").is_displayed()


def test_download_button_saves_the_report_as_json(browser, page_url, download_dir):
    analyze_in_page(browser, page_url, "One profound learning paper.")
    browser.find_element(By.ID, "download-button").click()
    saved = download_dir / "unspin-report.json"
    deadline = time.monotonic() + WAIT_SECONDS
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    report = json.loads(saved.read_text(encoding="utf-8"))
    assert report["text"] == "One profound learning paper."
    assert report["restored"] == "One deep learning paper."
    assert report["spans"][0]["original"] == "deep learning"


def test_real_pipeline_highlights_a_known_tortured_phrase(browser):
    """Same page with the default analyzer: passes once the real pipeline is in place."""
    with serving(create_app()) as url:
        analyze_in_page(
            browser,
            url,
            "We trained a profound learning model and an irregular woodland classifier.",
            wait_seconds=REAL_PIPELINE_WAIT_SECONDS,
        )
        marks = browser.find_elements(By.CSS_SELECTOR, "#highlighted mark.spun")
        cards = {mark.text: hover_card_for(browser, mark) for mark in marks}
        assert "profound learning" in cards, f"highlighted: {list(cards)}"
        assert "deep learning" in cards["profound learning"]
        # 12 words: too short for a document verdict, and the page does not pretend to one
        assert browser.find_element(By.ID, "verdict").text == "no verdict (see the note below)"
        assert browser.find_element(By.ID, "score-value").text == "–"
        assert browser.find_element(By.ID, "score-meter").get_attribute("value") == "0"
        assert "too short to judge" in browser.find_element(By.ID, "notes").text
        save_screenshot(browser, "results-real-pipeline")


def test_an_error_clears_the_previous_results(browser, page_url, tmp_path):
    analyze_in_page(browser, page_url, "One profound learning paper.")
    assert browser.find_element(By.ID, "results").is_displayed()
    upload = tmp_path / "image.png"
    upload.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    browser.find_element(By.ID, "file-input").send_keys(str(upload))
    WebDriverWait(browser, WAIT_SECONDS).until(
        visible.visibility_of_element_located((By.ID, "error"))
    )
    assert not browser.find_element(By.ID, "results").is_displayed()
    assert browser.find_element(By.ID, "highlighted").text == ""


def test_the_page_states_the_size_limit_and_refuses_larger_text(browser, page_url):
    browser.get(page_url)
    limits = WebDriverWait(browser, WAIT_SECONDS).until(
        lambda driver: (
            "100 kB" in driver.find_element(By.ID, "limits").text
            and driver.find_element(By.ID, "limits")
        )
    )
    assert limits.is_displayed()
    browser.execute_script(
        "document.getElementById('input-text').value = 'profound learning '.repeat(7000);"
    )
    browser.find_element(By.ID, "analyze-button").click()
    error = WebDriverWait(browser, WAIT_SECONDS).until(
        visible.visibility_of_element_located((By.ID, "error"))
    )
    assert "up to 100 kB" in error.text
    assert not browser.find_element(By.ID, "results").is_displayed()
