"""Tablet self-enrollment in real headless Chromium at a 10-inch tablet's
1280x800: pair a tablet, fill the four steps in Russian, send, then log in
to the back office, see the pending counter, approve and reach the new
customer.  Screenshots of every step go to artifacts/screenshots/."""
import re
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import chromium
from chromium import wait_for
from helpers import csrf_of


@pytest.fixture(scope="module")
def tablet_browser():
    driver = chromium.start(1280, 800, "--lang=ru")
    yield driver
    driver.quit()


def shot(b, name):
    chromium.shot(b, "enroll-" + name)


def switch_language(b, code):
    """Clicks the language button and waits for the new page: the old one
    has the same elements, so waiting for one of them would race."""
    old = b.find_element(By.TAG_NAME, "html")
    b.find_element(By.CSS_SELECTOR, f"button[data-lang={code}]").click()
    WebDriverWait(b, 10).until(EC.staleness_of(old))
    WebDriverWait(b, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == code)


def one(stack, query, *params):
    rows = stack.sql(query, *params)
    assert len(rows) == 1, rows
    return rows[0][0]


def vault_site(stack):
    name = "Browser vault " + uuid.uuid4().hex[:6]
    stack.sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, 'Europe/Berlin', 'EUR',"
              " 'ru,en', 1)", name)
    site = int(one(stack, "SELECT id FROM sites WHERE name = %s", name))
    stack.sql("INSERT INTO banks (site_id, name, columns) VALUES (%s, 'Хранилище A', 6)", site)
    bank = int(one(stack, "SELECT id FROM banks WHERE site_id = %s", site))
    for n, size in enumerate(("S", "S", "M", "M", "L"), start=1):
        stack.sql("INSERT INTO cells (bank_id, site_id, number, label, size_class, width_mm, height_mm, depth_mm)"
                  " VALUES (%s, %s, %s, %s, %s, 300, 150, 500)", bank, site, n, f"V-{n:02d}", size)
    for size, price in (("S", 3000), ("M", 4500), ("L", 7000)):
        stack.sql("INSERT INTO plans (site_id, size_class, period, price, deposit) VALUES (%s, %s, 'monthly', %s, 5000),"
                  " (%s, %s, 'yearly', %s, 5000)", site, size, price, site, size, price * 10)
    return name, site


def pairing_code(stack, login, site):
    admin = login("admin", stack.creds["admin"])
    page = admin.get(f"{stack.base}/admin/sites/{site}/tablets").text
    r = admin.post(f"{stack.base}/admin/sites/{site}/tablets", data={"_csrf": csrf_of(page), "name": "Стойка у входа"})
    assert r.status_code == 200
    return re.search(r'id="pairing-code">([^<]+)<', r.text).group(1)


def type_into(b, name, value):
    el = b.find_element(By.NAME, name)
    el.clear()
    el.send_keys(value)


def test_pair_enroll_in_russian_and_approve(stack, login, tablet_browser):
    b = tablet_browser
    site_name, site = vault_site(stack)
    code = pairing_code(stack, login, site)

    # An unpaired tablet: the pairing screen only.
    b.get(stack.base + "/enroll/?lang=ru")
    wait_for(b, By.ID, "pair-code")
    assert "Самостоятельная запись" in b.find_element(By.TAG_NAME, "h1").text
    shot(b, "01-pairing")
    b.find_element(By.ID, "pair-code").send_keys(code[:4].lower() + " " + code[4:])
    b.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()

    # Step 1 in Russian; first a mistake, then the right values.
    wait_for(b, By.ID, "f-full_name")
    assert b.find_element(By.CSS_SELECTOR, "form.enroll").get_attribute("data-step") == "1"
    assert "Личные данные" in b.page_source and site_name in b.page_source
    shot(b, "02-step1-empty")
    type_into(b, "full_name", "Иван Петров")
    type_into(b, "date_of_birth", "1979-11-03")
    Select(b.find_element(By.NAME, "doc_type")).select_by_value("passport")
    type_into(b, "doc_number", "4509 123456")
    type_into(b, "doc_expiry", "2031-03-01")
    type_into(b, "address", "Москва, ул. Тверская, 1")
    type_into(b, "phone", "call me")
    type_into(b, "email", "ivan@example.ru")
    type_into(b, "nominee_name", "Мария Петрова")
    type_into(b, "nominee_relation", "Супруга")
    type_into(b, "nominee_phone", "+7 495 7654321")
    b.find_element(By.ID, "next").click()
    wait_for(b, By.ID, "err-phone")
    assert b.find_element(By.CSS_SELECTOR, "form.enroll").get_attribute("data-step") == "1"
    assert b.find_element(By.NAME, "full_name").get_attribute("value") == "Иван Петров"
    shot(b, "03-step1-error")
    type_into(b, "phone", "+7 495 1234567")
    b.find_element(By.ID, "next").click()

    # Step 2: sizes with dimensions and prices.
    wait_for(b, By.ID, "size-M")
    assert "Ячейка и тариф" in b.page_source and "45.00" in b.page_source
    b.find_element(By.CSS_SELECTOR, "label[for=size-M]").click()
    b.find_element(By.CSS_SELECTOR, "input[name=period][value=yearly]").click()
    shot(b, "04-step2")
    b.find_element(By.ID, "next").click()

    # Step 3: consents with the text version; switching language keeps the ticks.
    wait_for(b, By.ID, "consent-version")
    assert b.find_element(By.ID, "consent-version").text == "2026-01"
    b.find_element(By.NAME, "consent_terms").click()
    b.find_element(By.NAME, "consent_privacy").click()
    b.find_element(By.NAME, "consent_biometric").click()
    switch_language(b, "en")
    assert "Consents" in b.page_source and b.find_element(By.NAME, "consent_terms").is_selected()
    switch_language(b, "ru")
    assert "Согласия" in b.page_source and b.find_element(By.NAME, "consent_biometric").is_selected()
    shot(b, "05-step3")
    b.find_element(By.ID, "next").click()

    # Step 4: review with edit buttons, then send.
    wait_for(b, By.ID, "submit")
    page = b.page_source
    assert "Иван Петров" in page and "Мария Петрова" in page and "За год" in page
    assert len(b.find_elements(By.CSS_SELECTOR, "button.edit")) == 3
    shot(b, "06-review")
    # In portrait too (a tablet turned on its side).
    b.set_window_size(800, 1280)
    shot(b, "07-review-portrait")
    b.set_window_size(1280, 800)
    before = int(one(stack, "SELECT COUNT(*) FROM enrollment_requests WHERE site_id = %s", site))
    assert before == 0
    b.find_element(By.ID, "submit").click()
    wait_for(b, By.ID, "thanks")
    assert "Спасибо" in b.page_source
    shot(b, "08-thanks")
    rid = int(one(stack, "SELECT id FROM enrollment_requests WHERE site_id = %s", site))
    # The thank-you screen clears itself back to step 1.
    wait_for(b, By.ID, "f-full_name", timeout=20)
    assert b.find_element(By.NAME, "full_name").get_attribute("value") == ""

    # The back office: the counter, the request, approval.
    b.get(stack.base + "/admin/login?lang=en")
    wait_for(b, By.ID, "username").send_keys("admin")
    b.find_element(By.ID, "password").send_keys(stack.creds["admin"])
    b.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    badge = wait_for(b, By.ID, "enrollment-count")
    pending = int(one(stack, "SELECT COUNT(*) FROM enrollment_requests WHERE state = 'pending'"))
    assert badge.text == str(pending)
    shot(b, "09-backoffice-counter")
    b.get(f"{stack.base}/admin/sites/{site}/tablets")
    wait_for(b, By.ID, "tablets")
    assert "Стойка у входа" in b.page_source and "Paired" in b.page_source
    shot(b, "09a-tablets")
    b.get(f"{stack.base}/admin/enrollments")
    wait_for(b, By.ID, "enrollments")
    shot(b, "09b-enrollments")
    b.get(f"{stack.base}/admin/enrollments/{rid}")
    wait_for(b, By.ID, "approve")
    assert "Иван Петров" in b.page_source
    shot(b, "10-review-request")
    b.find_element(By.ID, "approve").click()
    link = wait_for(b, By.ID, "customer-link")
    assert "Иван Петров" in link.text
    shot(b, "11-approved")
    cust = one(stack, "SELECT customer_id FROM enrollment_requests WHERE id = %s", rid)
    assert one(stack, "SELECT source FROM customers WHERE id = %s", cust) == "tablet"
    # The counter follows (live: polled every 10 s).
    WebDriverWait(b, 15).until(lambda d: d.find_element(By.ID, "enrollment-count").text == (str(pending - 1) if pending > 1 else ""))
    link = b.find_element(By.ID, "customer-link")
    link.click()
    WebDriverWait(b, 10).until(lambda d: f"/admin/customers/{cust}" in d.current_url)
    if "Иван Петров" in b.page_source:          # the customer page, once it exists
        shot(b, "12-customer")
