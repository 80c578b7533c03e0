"""boardd's Modbus side against a slave we did not write: Debian's
pymodbus serving RTU on one end of a pseudo-terminal pair made by socat,
boardd on the other.  The test plays the door: when the pulse register of
a lock is written it clears that lock's door-shut input."""
import asyncio
import os
import subprocess
import threading
import time

import pytest

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server.async_io import ModbusSerialServer

from boards_rig import Rig, wait_for
from helpers import count

PULSE_REGISTER = 0x0100
UNIT = 7


class Slave:
    """pymodbus on its own event loop in a thread; boardd's end of the
    pair appears at `link` only once the slave is listening, so boardd's
    first frames (relays off) reach it."""

    def __init__(self, var, link, channels=8):
        self.store = ModbusSlaveContext(di=ModbusSequentialDataBlock(0, [1] * 64),
                                        co=ModbusSequentialDataBlock(0, [0] * 64),
                                        hr=ModbusSequentialDataBlock(0, [0] * 0x200),
                                        ir=ModbusSequentialDataBlock(0, [0] * 8), zero_mode=True)
        self.context = ModbusServerContext(slaves={UNIT: self.store}, single=False)
        base = link + ".pair"
        self.socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={base}-a", f"pty,raw,echo=0,link={base}-b"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("socat", lambda: os.path.islink(base + "-a") and os.path.islink(base + "-b"))
        self.coil_history = []         # (channel, state) on every change
        self.coils_seen = {}
        self.loop = asyncio.new_event_loop()
        self.server = ModbusSerialServer(self.context, ModbusRtuFramer, port=base + "-b", baudrate=19200,
                                         timeout=0.005)
        started = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.server.start())
            started.set()
            self.loop.run_forever()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10), "pymodbus did not start"
        self.door_thread_stop = False
        self.doors = threading.Thread(target=self.play_doors, args=(channels,), daemon=True)
        self.doors.start()
        os.symlink(os.readlink(base + "-a"), link)
        self.link = link

    def get(self, fx, address, n=1):
        return self.store.getValues(fx, address, n)

    def set(self, fx, address, values):
        self.store.setValues(fx, address, values)

    def play_doors(self, channels):
        """A written pulse register opens that door for half a second; a
        coil switched on is remembered (plain relay boards)."""
        while not self.door_thread_stop:
            for ch in range(channels):
                if self.get(3, PULSE_REGISTER + ch)[0]:
                    self.set(3, PULSE_REGISTER + ch, [0])
                    self.set(2, ch, [0])
                    threading.Timer(0.5, self.set, (2, ch, [1])).start()
                coil = int(self.get(1, ch)[0])
                if self.coils_seen.get(ch) != coil:
                    self.coils_seen[ch] = coil
                    self.coil_history.append((ch, coil))
            time.sleep(0.005)

    async def _shutdown(self):
        await self.server.shutdown()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self):
        self.door_thread_stop = True
        # Close the port and finish every task on the slave's own loop: a
        # task left pending would be finalised later on the test's thread
        # and block there.
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
        self.socat.terminate()
        self.socat.wait(5)
        if os.path.islink(self.link):
            os.unlink(self.link)


@pytest.fixture
def pair(stack):
    rig = Rig(stack, protocol="modbus", boards=((UNIT, 8),), per_board=3, simulate=False,
              bus_settings={"reply_timeout_ms": 300, "poll_ms": 150})
    slave = None
    try:
        slave = Slave(stack.var, rig.link)
        yield rig, slave
    finally:
        rig.stop()
        if slave:
            slave.stop()


def test_relays_off_at_start_then_pulse_and_door_sensor(pair):
    rig, slave = pair
    slave.set(1, 2, [1])                       # a relay left on by a crash
    rig.wait_ready()
    wait_for("relays off", lambda: slave.get(1, 0, 8) == [0] * 8)
    r = rig.open(rig.cells[0][0])
    assert r["outcome"] == "opened", r
    # The pulse went to the register of channel 1: 300 ms in units of 100 ms.
    assert rig.door(rig.cells[0][0]) == "open"


def test_pulse_length_reaches_the_register(pair):
    rig, slave = pair
    rig.wait_ready()
    slave.door_thread_stop = True             # nobody plays the door now
    slave.doors.join(2)
    r = rig.open(rig.cells[1][0])
    assert r["outcome"] == "jammed"           # the register was written; the door never moved
    assert slave.get(3, PULSE_REGISTER + 1)[0] == 3
    assert rig.alarms("jam", rig.cells[1][0])


def test_a_door_opened_by_hand_is_seen_and_alarmed(pair, stack):
    rig, slave = pair
    rig.wait_ready()
    cell = rig.cells[2][0]
    wait_for("a known door", lambda: rig.door(cell) == "closed")
    slave.set(2, 2, [0])
    wait_for("door_forced", lambda: rig.alarms("door_forced", cell))
    slave.set(2, 2, [1])
    wait_for("the door shut again", lambda: rig.door(cell) == "closed")
    assert count(stack, "SELECT COUNT(*) FROM door_events WHERE cell_id = %s", cell) == 3   # closed, open, closed


def test_a_wrong_slave_id_is_no_answer(stack):
    rig = Rig(stack, protocol="modbus", boards=((UNIT + 1, 8),), per_board=1, simulate=False,
              bus_settings={"reply_timeout_ms": 100, "poll_ms": 150})
    slave = Slave(stack.var, rig.link)
    try:
        r = rig.open(rig.cells[0][0])
        assert r["outcome"] == "no_answer"
    finally:
        rig.stop()
        slave.stop()


def test_plain_relay_is_switched_on_then_off(stack):
    rig = Rig(stack, protocol="modbus", boards=((UNIT, 8),), per_board=1, simulate=False, timed_pulse=0,
              bus_settings={"reply_timeout_ms": 300, "poll_ms": 150, "open_confirm_ms": 500})
    slave = Slave(stack.var, rig.link)
    try:
        rig.wait_ready()
        r = rig.open(rig.cells[0][0])
        assert r["outcome"] == "jammed"            # a plain relay: the test's door only follows pulses
        ch0 = [state for ch, state in slave.coil_history if ch == 0]
        assert ch0[-2:] == [1, 0], slave.coil_history
        assert slave.get(1, 0)[0] == 0
    finally:
        rig.stop()
        slave.stop()
