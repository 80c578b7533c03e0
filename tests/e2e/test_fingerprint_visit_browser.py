"""A visit verified on the fingerprint reader in real headless Chromium:
the verify screen, Scan, the customer placing a finger on the stack's
virtual reader, and the matched customer with their locker and the visit
recorded, without a reload; then on the check-in screen of a picked
contract, a finger that does not match.  Screenshots go to
artifacts/screenshots/fingerprint-visit-*."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import chromium
from boards_rig import wait_for as rig_wait
from chromium import wait_for
from fingerprint_desk import VisitDesk
from helpers import count


@pytest.fixture(scope="module")
def browser():
    driver = chromium.start(1366, 1000)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def desk(stack):
    d = VisitDesk(stack)
    yield d
    d.finger.close()


def place_when_asked(desk, image):
    """The reader asks for the finger once the page's request reached it."""
    rig_wait("the reader to ask for a finger", lambda: desk.state() == "busy", timeout=20, every=0.05)
    desk.finger.send("put", image)


def outcome(b):
    el = WebDriverWait(b, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-fp-result] #fp-outcome"))
    return el[0].get_attribute("data-outcome")


def test_identify_then_a_refused_verify(stack, browser, desk):
    b = browser
    c = desk.customer("Ada Lovelace")
    k, label = desk.contract(c)
    desk.enroll(c, "loop-right")
    desk.only(c)
    chromium.log_in(b, stack)

    b.get(f"{stack.base}/admin/visits/verify?site={desk.site}")
    wait_for(b, By.ID, "identify-form")
    chromium.shot(b, "fingerprint-visit-01-verify-screen")
    b.find_element(By.CSS_SELECTOR, "#identify-form button[type=submit]").click()
    place_when_asked(desk, "loop-right")
    assert outcome(b) == "visit_recorded"
    assert b.find_element(By.ID, "fp-customer").text == "Ada Lovelace"
    assert label in b.find_element(By.ID, "fp-cell").text
    chromium.shot(b, "fingerprint-visit-02-identified")
    assert count(stack, "SELECT COUNT(*) FROM visits WHERE contract_id = %s AND verified_by = 'fingerprint'", k) == 1

    # Another customer picked by name; the wrong finger is refused.
    other = desk.customer("Charles Babbage")
    k2, _ = desk.contract(other)
    desk.enroll(other, "whorl")
    b.get(f"{stack.base}/admin/visits/new?contract={k2}")
    wait_for(b, By.ID, "verify-form")
    b.find_element(By.CSS_SELECTOR, "#verify-form button[type=submit]").click()
    place_when_asked(desk, "arch")
    assert outcome(b) == "no_match"
    chromium.shot(b, "fingerprint-visit-03-no-match")
    assert count(stack, "SELECT COUNT(*) FROM visits WHERE contract_id = %s", k2) == 0
