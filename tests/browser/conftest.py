"""A real browser for the UI tests: Debian's headless Chromium driven by Selenium.

scripts/setup.sh installs chromium and chromium-driver in CI. Elsewhere a
machine without them skips these tests; in CI (CI=true) their absence fails.
Screenshots go to $ZPARK_TEST_ARTIFACTS (default: test-artifacts/ in the checkout).
"""
import os
import pathlib
import shutil

import pytest

ARTIFACTS = pathlib.Path(os.environ.get("ZPARK_TEST_ARTIFACTS")
                         or pathlib.Path(__file__).resolve().parents[2] / "test-artifacts")


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        message = "needs Debian's chromium and chromium-driver (scripts/setup.sh installs them in CI)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def screenshot(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(name):
        """Save the page as ARTIFACTS/NAME.png, the whole page's height."""
        height = browser.execute_script("return Math.max(document.documentElement.scrollHeight, 600)")
        browser.set_window_size(1400, min(max(height + 40, 700), 2400))
        path = ARTIFACTS / ("%s.png" % name)
        browser.save_screenshot(str(path))
        browser.set_window_size(1400, 1000)
        return path
    return save
