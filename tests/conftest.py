"""Fixtures for the integration and browser tests: one private stack per
test session (MariaDB in a temporary directory, nginx on a free loopback
port, every program), started with the same runner as `make run`
(tools/stack), so the tests exercise what a developer runs.

Environment: STRONGROOM_BUILD picks the build directory (default build;
tools/test-all uses build-san for the integration run); STRONGROOM_KEEP_VAR=1
keeps the temporary state directory for a post-mortem.  The programs' logs
are copied to artifacts/stack-logs-*/ after every session (tools/test-all
scans them for sanitizer reports)."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import csrf_of, run_sql  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(REPO, "artifacts")
START_TIMEOUT = 120
STOP_TIMEOUT = 30


def _free_port():
    # A small race with whoever binds next, but the runner checks the port
    # again and fails loudly if it was taken.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """A running stack.  base is http://127.0.0.1:PORT, var the state
    directory, build the absolute build directory, creds the demo log-ins
    (user -> password)."""

    def __init__(self):
        self.var = tempfile.mkdtemp(prefix="strongroom-test-")
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        build = os.environ.get("STRONGROOM_BUILD", "build")
        self.build = build if os.path.isabs(build) else os.path.join(REPO, build)
        self.log_path = os.path.join(self.var, "stack.log")
        self.sock = os.path.join(self.var, "db", "mysqld.sock")
        self.admin_user = pwd.getpwuid(os.getuid()).pw_name   # socket auth, like the runner
        self.proc = None
        self._log = None
        self.creds = {}

    # ---------- life cycle ----------

    def start(self):
        env = dict(os.environ, STRONGROOM_VAR=self.var, STRONGROOM_PORT=str(self.port),
                   STRONGROOM_BUILD=self.build, STRONGROOM_QUIET="1")
        self._log = open(self.log_path, "w")
        # Own session (process group): the last resort at teardown kills the
        # whole group, and a Ctrl-C at the terminal does not reach the stack
        # before the runner has been asked to stop.
        self.proc = subprocess.Popen([os.path.join(REPO, "tools", "stack"), "run"], cwd=REPO, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        ready = os.path.join(self.var, "ready")
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                pytest.fail(f"the stack exited with status {self.proc.returncode} before it was ready:\n"
                            + self.logs(), pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"the stack was not ready within {START_TIMEOUT} s:\n" + self.logs(), pytrace=False)
            time.sleep(0.1)
        with open(os.path.join(self.var, "demo-credentials")) as f:
            self.creds = dict(line.split(None, 1) for line in f.read().splitlines() if line.strip())

    def stop(self):
        """SIGTERM to the runner, which stops nginx, the programs and MariaDB
        in order; SIGKILL to the whole process group if it hangs."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"the stack did not stop within {STOP_TIMEOUT} s; killing its process group")
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # stragglers, if any
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        if self._log:
            self._log.close()

    def logs(self, lines=60):
        """The tail of every log file of the stack, runner's last."""
        out = []
        logdir = os.path.join(self.var, "log")
        for name in sorted(os.listdir(logdir)) if os.path.isdir(logdir) else []:
            with open(os.path.join(logdir, name), errors="replace") as f:
                tail = f.readlines()[-lines:]
            out.append(f"--- log/{name}\n" + "".join(tail))
        if os.path.exists(self.log_path):
            with open(self.log_path, errors="replace") as f:
                out.append("--- runner\n" + "".join(f.readlines()[-lines:]))
        return "\n".join(out)

    # ---------- the database ----------

    def sql(self, query, *params):
        """Runs SQL on database strongroom as the administrator; see
        helpers.run_sql."""
        return run_sql(self.sock, self.admin_user, query, *params)

    def db_pid(self):
        with open(os.path.join(self.var, "db", "mysqld.pid")) as f:
            return int(f.read().strip())

    def kill_db(self, hold=False):
        """SIGKILLs mariadbd.  The runner starts it again within about a
        second; with hold=True it leaves it down until release_db()."""
        if hold:
            open(os.path.join(self.var, "db", "hold"), "w").close()
        pid = self.db_pid()
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def release_db(self):
        os.unlink(os.path.join(self.var, "db", "hold"))
        self.wait_db()

    def db_alive(self):
        return subprocess.run(["mariadb-admin", f"--user={self.admin_user}", f"--socket={self.sock}", "ping"],
                              capture_output=True).returncode == 0

    def wait_db(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.db_alive():
                return
            time.sleep(0.1)
        raise RuntimeError("the database did not come back:\n" + self.logs())

    # ---------- the programs ----------

    def restart_program(self, name):
        """Stops a program's whole pool (SIGTERM to its master); the runner
        starts it again.  Returns once the new pool answers."""
        pidfile = os.path.join(self.var, "run", name + ".pid")
        with open(pidfile) as f:
            old = int(f.read())
        os.kill(old, signal.SIGTERM)
        path = {"backoffice": "/admin/", "api": "/api/v1/health"}.get(name, f"/{name}/")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with open(pidfile) as f:
                    new = int(f.read())
                if new != old and os.path.exists(os.path.join(self.var, "run", name + ".sock")):
                    if requests.get(self.base + path, allow_redirects=False, timeout=5).status_code < 500:
                        return
            except (OSError, ValueError, requests.RequestException):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not come back:\n" + self.logs())


@pytest.fixture(scope="session")
def stack():
    s = Stack()
    try:
        s.start()
        yield s
    finally:
        s.stop()
        logdir = os.path.join(s.var, "log")
        if os.path.isdir(logdir):
            dest = os.path.join(ARTIFACTS, "stack-logs-" + os.path.basename(s.var))
            shutil.copytree(logdir, dest, dirs_exist_ok=True)
            if os.path.exists(s.log_path):
                shutil.copy(s.log_path, os.path.join(dest, "runner.log"))
        if os.environ.get("STRONGROOM_KEEP_VAR"):
            print("kept", s.var)
        else:
            shutil.rmtree(s.var, ignore_errors=True)


@pytest.fixture
def login(stack):
    """login(user, password) -> a requests.Session logged in to /admin/."""
    def do(user, password):
        s = requests.Session()
        r = s.get(stack.base + "/admin/login")
        assert r.status_code == 200, f"GET /admin/login answered {r.status_code}"
        r = s.post(stack.base + "/admin/login",
                   data={"_csrf": csrf_of(r.text), "username": user, "password": password},
                   allow_redirects=False)
        assert r.status_code == 303, f"log-in of {user} failed with {r.status_code}"
        return s
    return do
