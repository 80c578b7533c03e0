"""Browser tests in real headless Chromium: log in, create a site, create a
bank of 24 cells, see it in the grid.  Screenshots of the key screens go to
artifacts/screenshots/."""
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import chromium
from chromium import wait_for


@pytest.fixture(scope="module")
def browser():
    driver = chromium.start(1366, 900)
    yield driver
    driver.quit()


def shot(browser, name):
    chromium.shot(browser, name)


def test_login_create_site_bank_and_grid(stack, browser):
    b = browser
    b.get(stack.base + "/admin/")
    wait_for(b, By.ID, "username")
    shot(b, "01-login")
    b.find_element(By.ID, "username").send_keys("admin")
    b.find_element(By.ID, "password").send_keys(stack.creds["admin"])
    b.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(b, By.CSS_SELECTOR, "section.stats")
    assert "Dashboard" in b.title
    shot(b, "02-dashboard")

    b.get(stack.base + "/admin/sites/new")
    name = "Browser site " + uuid.uuid4().hex[:6]
    b.find_element(By.NAME, "name").send_keys(name)
    b.find_element(By.NAME, "address").send_keys("12 Test Road")
    tz = b.find_element(By.NAME, "time_zone")
    tz.clear()
    tz.send_keys("Europe/Berlin")
    b.find_element(By.CSS_SELECTOR, "input[name=modules][value=storage]").click()
    shot(b, "03-new-site")
    b.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(b, By.CSS_SELECTOR, "dl.facts")
    assert name in b.find_element(By.TAG_NAME, "h1").text
    assert "Saved." in b.page_source

    b.find_element(By.LINK_TEXT, "New locker bank").click()
    wait_for(b, By.ID, "bank-form")
    b.find_element(By.NAME, "name").send_keys("Wall A")
    b.find_element(By.NAME, "label_prefix").send_keys("A-")
    for size, count in (("S", "12"), ("M", "8"), ("L", "4")):
        field = b.find_element(By.NAME, "count_" + size)
        field.clear()
        field.send_keys(count)
    b.find_element(By.CSS_SELECTOR, "input[name=features_M][value=charging]").click()
    shot(b, "04-new-bank")
    b.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(b, By.CSS_SELECTOR, "section.bank")
    cells = b.find_elements(By.CSS_SELECTOR, ".grid a")
    assert len(cells) == 24
    assert b.find_element(By.ID, "cells-shown").text == "24"
    labels = [c.find_element(By.TAG_NAME, "b").text for c in cells]
    assert labels[0] == "A-01" and labels[-1] == "A-24"
    assert len(b.find_elements(By.CSS_SELECTOR, ".grid a.z-M")) == 8
    shot(b, "05-grid")

    # The filter narrows the grid (the select submits itself).
    Select(b.find_element(By.NAME, "size")).select_by_visible_text("L")
    WebDriverWait(b, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".grid a")) == 4)
    shot(b, "06-grid-filtered")

    # Take one cell out of service and see it in the grid.
    b.find_elements(By.CSS_SELECTOR, ".grid a")[0].click()
    wait_for(b, By.NAME, "reason").send_keys("Door sticks")
    b.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait_for(b, By.CSS_SELECTOR, "p.flash.ok")
    assert "out of service" in b.page_source
    b.get(b.current_url.split("/admin/")[0] + "/admin/sites")
    b.find_element(By.LINK_TEXT, name).click()
    b.find_element(By.LINK_TEXT, "Locker grid").click()
    wait_for(b, By.CSS_SELECTOR, "section.bank")
    assert len(b.find_elements(By.CSS_SELECTOR, ".grid a.st-out_of_service")) == 1

    # Russian, switched on the page itself.
    b.find_element(By.CSS_SELECTOR, "a[hreflang=ru]").click()
    wait_for(b, By.CSS_SELECTOR, "section.bank")
    assert "Схема ячеек" in b.page_source
    shot(b, "07-grid-ru")
    b.find_element(By.CSS_SELECTOR, "a[hreflang=en]").click()


def test_public_screens_render(stack, browser):
    for path, text in (("/enroll/", "Self-enrollment"), ("/mailroom/", "Mailroom desk"), ("/kiosk/", "Locker terminal")):
        browser.get(stack.base + path + "?lang=en")
        wait_for(browser, By.TAG_NAME, "h1")
        assert text in browser.find_element(By.TAG_NAME, "h1").text
        shot(browser, "08-" + path.strip("/"))
