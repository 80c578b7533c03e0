"""Fingerprint enrollment in real headless Chromium: the enrollment screen,
Start, the reader's prompts and "Stage k of 5" following each finger the
test places on the stack's virtual reader, the result without a reload,
the finger on the customer page; then a second enrollment cancelled from
the page, which frees the reader.  Screenshots go to
artifacts/screenshots/fingerprint-*."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import chromium
from chromium import wait_for
from fingerprint_desk import Desk, consented_customer
from helpers import count


@pytest.fixture(scope="module")
def browser():
    driver = chromium.start(1366, 1000)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def desk(stack):
    d = Desk(stack)
    d.wait_idle()
    yield d
    d.finger.close()


def shot(b, name):
    chromium.shot(b, "fingerprint-" + name)


def text_of(b, css):
    return b.find_element(By.CSS_SELECTOR, css).text.strip()


def progress(b):
    el = b.find_element(By.CSS_SELECTOR, "progress[data-fp-progress]")
    return int(float(el.get_attribute("value"))), int(float(el.get_attribute("max")))


def test_enroll_live_then_cancel(stack, browser, desk):
    b = browser
    cid = consented_customer(stack, desk.site)
    chromium.log_in(b, stack)
    b.get(f"{stack.base}/admin/customers/{cid}/fingerprints/enroll")
    wait_for(b, By.ID, "enroll-form")
    assert text_of(b, "#reader-state").startswith("ready")
    b.find_element(By.CSS_SELECTOR, 'input[name=finger][value="left-index"]').click()
    b.execute_script("window.stillTheSamePage = true")
    shot(b, "01-screen")

    start = b.find_element(By.CSS_SELECTOR, "button[data-fp-start]")
    start.click()
    for k in range(1, 6):
        WebDriverWait(b, 15).until(lambda d, k=k: f"(scan {k} of 5)" in text_of(d, "[data-fp-prompt]"))
        assert not start.is_enabled()
        desk.finger.send("put", "whorl")
        WebDriverWait(b, 15).until(lambda d, k=k: text_of(d, "[data-fp-stage]") == f"Stage {k} of 5 captured.")
        assert progress(b) == (k, 5)
        if k == 3:
            shot(b, "02-stage-3")
    WebDriverWait(b, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, '#fp-outcome[data-outcome="enrolled"]'))
    assert text_of(b, "#fp-outcome") == "Fingerprint enrolled: Left index finger"
    assert progress(b) == (5, 5) and start.is_enabled()
    assert b.execute_script("return window.stillTheSamePage === true")
    shot(b, "03-enrolled")
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s AND finger = 'left-index'",
                 cid) == 1

    b.get(f"{stack.base}/admin/customers/{cid}#fingerprints")
    wait_for(b, By.ID, "fp-list")
    row = b.find_element(By.CSS_SELECTOR, '#fp-list tr[data-finger="left-index"]')
    assert "Left index finger" in row.text and "virtual_image" in row.text
    b.execute_script("document.getElementById('fingerprints').scrollIntoView()")
    shot(b, "04-customer-page")

    # A second finger, cancelled while the reader waits: the reader is free
    # at once and nothing is stored.
    b.get(f"{stack.base}/admin/customers/{cid}/fingerprints/enroll")
    wait_for(b, By.ID, "enroll-form")
    b.find_element(By.CSS_SELECTOR, 'input[name=finger][value="right-thumb"]').click()
    b.find_element(By.CSS_SELECTOR, "button[data-fp-start]").click()
    WebDriverWait(b, 15).until(lambda d: "(scan 1 of 5)" in text_of(d, "[data-fp-prompt]"))
    desk.finger.send("put", "arch")
    WebDriverWait(b, 15).until(lambda d: text_of(d, "[data-fp-stage]") == "Stage 1 of 5 captured.")
    assert desk.state() == "busy"
    b.find_element(By.CSS_SELECTOR, "[data-fp-cancel]").click()
    WebDriverWait(b, 10).until(lambda d: "Cancelled." in text_of(d, "[data-fp-result]"))
    assert "/fingerprints/enroll" in b.current_url              # the page stayed
    WebDriverWait(b, 5).until(lambda d: desk.state() == "idle")
    assert b.find_element(By.CSS_SELECTOR, "button[data-fp-start]").is_enabled()
    shot(b, "05-cancelled")
    assert count(stack, "SELECT COUNT(*) FROM fingerprint_templates WHERE customer_id = %s AND finger = 'right-thumb'",
                 cid) == 0
