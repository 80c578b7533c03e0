"""A receipt from the back office to the customer's phone, end to end on
the running stack: the payment puts it (lib/notice), notifyd delivers it
to the sink that stands in for the SMS gateway and the mail server
(tools/notify-sink).  test_notices.py looks at everything before delivery
with notifyd held."""
import email
import email.policy
import os
import time

from helpers import one
from test_notices import bo_pay, posted_journal, messages, vault, admin  # noqa: F401 (fixtures)

DELIVERY_DEADLINE = 120        # seconds: only so a broken notifyd fails the test instead of hanging it


def test_a_receipt_reaches_the_sink(stack, admin, vault):  # noqa: F811
    c = vault.customer()
    jid = posted_journal(bo_pay(stack, admin, c["id"], "42")[0])
    doc = one(stack, "SELECT CONCAT('R-', LPAD(doc_number, 6, '0')) FROM ledger_journals WHERE id = %s", jid)
    deadline = time.monotonic() + DELIVERY_DEADLINE
    while time.monotonic() < deadline:
        states = {m["channel"]: m["state"] for m in messages(stack, c["id"], "receipt")}
        if states == {"sms": "sent", "email": "sent"}:
            break
        assert not set(states.values()) & {"failed", "unknown", "cancelled"}, states
        time.sleep(0.2)
    assert states == {"sms": "sent", "email": "sent"}, states
    # Receipt numbers run per site; the site's name (unique here) starts the SMS.
    site = one(stack, "SELECT name FROM sites WHERE id = %s", vault.site)
    with open(os.path.join(stack.var, "notify-sink", "sms.jsonl"), encoding="utf-8") as f:
        sms = [line for line in f if doc in line and site in line]
    assert len(sms) == 1 and "42.00 EUR" in sms[0], sms
    mails = os.path.join(stack.var, "notify-sink", "mail")
    texts = []
    for name in sorted(os.listdir(mails)):
        with open(os.path.join(mails, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        if body is not None and doc in body.get_content() and site in body.get_content():
            texts.append((msg["Subject"], msg["To"]))
    assert len(texts) == 1, texts
    assert texts[0][0].startswith("Payment received: 42.00 EUR") and texts[0][1] == c["email"]
