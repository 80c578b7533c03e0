"""Messages in real headless Chromium: a payment recorded on the account
page queues the customer's receipt, which shows on the customer's page; a
failed message counted in the menu is sent again from its page (confirmed
in a dialog) and notifyd then delivers it to the stack's sink; a site's
billing settings with their explanations.  Screenshots go to
artifacts/screenshots/notices-*."""
import time
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

import chromium
from chromium import wait_for
from helpers import one

DELIVERY_DEADLINE = 120        # seconds: only so a broken notifyd fails the test instead of hanging it


@pytest.fixture(scope="module")
def browser():
    driver = chromium.start(1366, 900)
    yield driver
    driver.quit()


def shot(b, name):
    chromium.shot(b, "notices-" + name)


def test_receipt_and_resend_in_the_browser(stack, browser):
    b = browser
    name = "Vault " + uuid.uuid4().hex[:8]
    stack.sql("INSERT INTO sites (name, time_zone, currency, languages, mod_vault) VALUES (%s, 'UTC', 'EUR', 'en,ru', 1)",
              name)
    site = int(one(stack, "SELECT id FROM sites WHERE name = %s", name))
    doc = "P" + uuid.uuid4().hex[:10].upper()
    stack.sql("INSERT INTO customers (site_id, full_name, date_of_birth, doc_type, doc_number, doc_expiry, phone, email)"
              " VALUES (%s, 'Anna Schmidt', '1980-01-01', 'passport', %s, '2035-01-01', '+49 30 1234567',"
              " 'anna@example.org')", site, doc)
    customer = int(one(stack, "SELECT id FROM customers WHERE doc_number = %s", doc))
    stack.sql("INSERT INTO outbox (site_id, customer_id, dedupe_key, kind, channel, recipient, subject, body_text, state,"
              " attempts, last_error) VALUES (%s, %s, %s, 'due_soon', 'sms', '+49301234567', '', %s, 'failed', 8,"
              " 'gateway answered 503')", site, customer, "test:" + uuid.uuid4().hex,
              f"{name}: Your rent of 30.00 EUR is due.")
    failed = int(one(stack, "SELECT MAX(id) FROM outbox WHERE customer_id = %s", customer))

    chromium.log_in(b, stack)
    assert b.find_element(By.ID, "outbox-count").text.strip() not in ("", "0")

    # A payment on the account page queues the receipt.
    b.get(f"{stack.base}/admin/customers/{customer}/account")
    form = wait_for(b, By.ID, "payment-form")
    form.find_element(By.NAME, "amount").send_keys("25")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(b, 10).until(lambda d: "The payment was recorded." in d.page_source)
    b.get(f"{stack.base}/admin/customers/{customer}")
    section = wait_for(b, By.ID, "customer-messages")
    assert section.text.count("Receipt") == 2, section.text
    shot(b, "01-customer-messages")

    # The failed reminder: its page, sent again after a confirmation.
    b.get(f"{stack.base}/admin/outbox?state=attention&site={site}")
    wait_for(b, By.CSS_SELECTOR, f'tr[data-message="{failed}"]')
    shot(b, "02-outbox-attention")
    b.get(f"{stack.base}/admin/outbox/{failed}")
    form = wait_for(b, By.ID, "resend-form")
    assert "gateway answered 503" in b.find_element(By.ID, "message-facts").text
    form.find_element(By.NAME, "reason").send_keys("Gateway is back")
    shot(b, "03-message")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(b, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(b, 10).until(lambda d: "The message will be sent again." in d.page_source)
    assert "Gateway is back" in b.find_element(By.ID, "message-actions").text
    deadline = time.monotonic() + DELIVERY_DEADLINE
    while one(stack, "SELECT state FROM outbox WHERE id = %s", failed) != "sent" and time.monotonic() < deadline:
        assert one(stack, "SELECT state FROM outbox WHERE id = %s", failed) not in ("failed", "unknown")
        time.sleep(0.2)
    b.get(f"{stack.base}/admin/outbox/{failed}")
    wait_for(b, By.CSS_SELECTOR, "h1 .tag.msg-sent")
    shot(b, "04-sent")

    # The site's billing settings, explained.
    b.get(f"{stack.base}/admin/sites/{site}/edit")
    wait_for(b, By.ID, "billing")
    shot(b, "05-site-billing-form")
    b.get(f"{stack.base}/admin/sites/{site}")
    assert "a contract with more due waits for an operator" in wait_for(b, By.ID, "billing").text
