"""Shared by the tests that run daemons of their own (notifyd, fingerd):
holding the stack's copy down meanwhile, and stopping a daemon a test
started, with its log when it will not stop."""
import contextlib
import os
import signal
import subprocess

from boards_rig import wait_for


@contextlib.contextmanager
def stack_daemon_held(stack, name, timeout=15):
    """The stack's <name> stopped and kept down (tools/stack's
    run/<name>.hold) for the block."""
    hold = os.path.join(stack.var, "run", name + ".hold")
    open(hold, "w").close()
    try:
        try:
            with open(os.path.join(stack.var, "run", name + ".pid")) as f:
                pid = int(f.read())
            os.kill(pid, signal.SIGTERM)
            wait_for(f"the stack's {name} to stop", lambda: not os.path.exists(f"/proc/{pid}")
                     or open(f"/proc/{pid}/stat").read().split()[2] == "Z", timeout=timeout)
        except (OSError, ValueError):
            pass
        yield
    finally:
        os.unlink(hold)


def stop_process(proc, name, sig=signal.SIGTERM, timeout=30, log=lambda: ""):
    """Sends sig and waits for the exit; a daemon that does not stop is
    killed and the test fails with its log.  Returns the exit status (None
    when nothing was started)."""
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            raise AssertionError(f"{name} did not stop within {timeout} s:\n{log()}")
    return proc.returncode if proc else None
