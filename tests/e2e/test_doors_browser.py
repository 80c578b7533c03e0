"""The live doors in real headless Chromium: a locker grid whose cells turn
open and back without a reload as boardd reports them, a door forced
open that shows as an alarm in the grid and in the menu's counter, an
"open cell" sent from the cell page with a reason (confirmed in a dialog)
that really fires the simulator's lock, and the alarm acknowledged with a
note.  Screenshots go to artifacts/screenshots/doors-*."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

import chromium
from boards_rig import Rig
from chromium import wait_for


@pytest.fixture(scope="module")
def browser():
    driver = chromium.start(1366, 900)
    yield driver
    driver.quit()


@pytest.fixture
def rig(stack):
    # Doors stay open until the test shuts them.
    r = Rig(stack, boards=((1, 8),), per_board=4, close_after_ms=600000)
    r.wait_ready()
    yield r
    r.stop()


def shot(b, name):
    chromium.shot(b, "doors-" + name)


def cell_classes(b, cell):
    return b.find_element(By.CSS_SELECTOR, f'a[data-cell="{cell}"]').get_attribute("class").split()


def test_live_grid_alarm_open_from_cell_page_and_acknowledge(stack, browser, rig):
    b = browser
    chromium.log_in(b, stack)

    first, forced, from_page = (c[0] for c in rig.cells[:3])
    for cell in (first, forced, from_page):
        WebDriverWait(b, 10).until(lambda d, c=cell: rig.door(c) == "closed")
    b.get(f"{stack.base}/admin/sites/{rig.site}/grid")
    wait_for(b, By.CSS_SELECTOR, f'a[data-cell="{first}"]')
    b.execute_script("window.stillTheSamePage = true")
    assert "door-open" not in cell_classes(b, first)

    # An open from elsewhere (boardd directly) reaches the grid by polling.
    assert rig.open(first)["outcome"] == "opened"
    WebDriverWait(b, 8).until(lambda d: "door-open" in cell_classes(d, first))
    shot(b, "01-grid-open")

    # A door opened by hand: an alarm on the cell and in the menu's counter.
    rig.ctl(op="door", board=1, lock=2, open=True)
    WebDriverWait(b, 8).until(lambda d: "alarm" in cell_classes(d, forced))
    WebDriverWait(b, 8).until(lambda d: d.find_element(By.ID, "alarm-count").text.strip() not in ("", "0"))
    shot(b, "02-grid-alarm")

    # The first door shuts: the grid follows, still without a reload.
    rig.ctl(op="door", board=1, lock=1, open=False)
    WebDriverWait(b, 8).until(lambda d: "door-open" not in cell_classes(d, first))
    assert b.execute_script("return window.stillTheSamePage === true")

    # Open from the cell page: reason, a confirmation dialog, the outcome.
    b.get(f"{stack.base}/admin/cells/{from_page}")
    wait_for(b, By.ID, "open-form")
    b.find_element(By.CSS_SELECTOR, "#open-form input[name=reason]").send_keys("Customer lost the receipt")
    shot(b, "03-cell-page")
    b.find_element(By.CSS_SELECTOR, "#open-form button[type=submit]").click()
    WebDriverWait(b, 5).until(EC.alert_is_present()).accept()
    result = wait_for(b, By.ID, "open-result", timeout=20)
    assert "door was seen open" in result.text, result.text
    shot(b, "04-opened")
    assert rig.door(from_page) == "open"
    assert len(rig.frames(cmd="unlock", board=1, lock=3)) == 1
    assert stack.sql("SELECT actor, reason, state FROM door_commands WHERE cell_id = %s", from_page) == \
        [["staff:admin", "Customer lost the receipt", "opened"]]
    assert stack.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'cell.open' AND object_id = %s", from_page) == [["1"]]

    # Acknowledge the forced-door alarm with a note.
    alarm = rig.alarms("door_forced", forced)[0]
    b.get(f"{stack.base}/admin/alarms?state=attention&site={rig.site}")
    form = wait_for(b, By.ID, f"ack-{alarm}")
    form.find_element(By.NAME, "note").send_keys("Cleaner opened it; checked on camera")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(b, 10).until(lambda d: "The alarm is acknowledged." in d.page_source)
    assert not b.find_elements(By.ID, f"ack-{alarm}")          # no longer needs attention
    b.get(f"{stack.base}/admin/alarms?state=all&site={rig.site}")
    row = wait_for(b, By.CSS_SELECTOR, f'tr[data-alarm="{alarm}"]')
    assert "Cleaner opened it" in row.text and "admin" in row.text
    shot(b, "05-acknowledged")
    assert stack.sql("SELECT acked_by, ack_note FROM door_alarms WHERE id = %s", alarm) == \
        [["admin", "Cleaner opened it; checked on camera"]]
