"""Headless Chromium for the browser tests, and their screenshots (kept in
artifacts/screenshots/ for people to look at)."""
import os
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "artifacts", "screenshots")


def start(width, height, *flags):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--user-data-dir=" + tempfile.mkdtemp(prefix="sr-chromium-"),
                 *flags):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.implicitly_wait(0)
    driver.set_window_size(width, height)
    os.makedirs(SHOTS, exist_ok=True)
    return driver


def shot(b, name):
    b.save_screenshot(os.path.join(SHOTS, name + ".png"))


def wait_for(b, by, what, timeout=10):
    return WebDriverWait(b, timeout).until(EC.presence_of_element_located((by, what)))


def log_in(b, stack, username="admin"):
    """Logs in on the back office's form with the demo log-in and waits for
    the dashboard."""
    b.get(stack.base + "/admin/login")
    wait_for(b, By.ID, "username")
    b.find_element(By.ID, "username").send_keys(username)
    b.find_element(By.ID, "password").send_keys(stack.creds[username])
    b.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(b, By.CSS_SELECTOR, "section.stats")
