"""Fixtures for the integration and browser tests: one private stack per
test session (MariaDB in a temporary directory, nginx on a free loopback
port, every program), started with the same runner as `make run`."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(__file__))
from helpers import csrf_of  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(REPO, "artifacts")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _quote(value):
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    s = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\0", "\\0")
    return "'" + s + "'"


class Stack:
    def __init__(self):
        self.var = tempfile.mkdtemp(prefix="strongroom-test-")
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        build = os.environ.get("STRONGROOM_BUILD", "build")
        self.build = build if os.path.isabs(build) else os.path.join(REPO, build)
        self.log_path = os.path.join(self.var, "stack.log")
        self.proc = None
        self.creds = {}

    def start(self):
        env = dict(os.environ, STRONGROOM_VAR=self.var, STRONGROOM_PORT=str(self.port),
                   STRONGROOM_BUILD=self.build, STRONGROOM_QUIET="1")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([os.path.join(REPO, "tools", "stack"), "run"], cwd=REPO, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 180
        while not os.path.exists(os.path.join(self.var, "ready")):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the stack did not start:\n" + self.logs())
            time.sleep(0.1)
        with open(os.path.join(self.var, "demo-credentials")) as f:
            self.creds = dict(line.split() for line in f if line.strip())

    def stop(self):
        if not self.proc:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        except ProcessLookupError:
            pass
        self._log.close()

    def logs(self, lines=60):
        out = []
        for name in sorted(os.listdir(os.path.join(self.var, "log"))) if os.path.isdir(os.path.join(self.var, "log")) else []:
            with open(os.path.join(self.var, "log", name), errors="replace") as f:
                tail = f.readlines()[-lines:]
            out.append(f"--- log/{name}\n" + "".join(tail))
        if os.path.exists(self.log_path):
            with open(self.log_path, errors="replace") as f:
                out.append("--- runner\n" + "".join(f.readlines()[-lines:]))
        return "\n".join(out)

    def sql(self, query, *params):
        """Runs SQL as the database administrator; %s placeholders are
        filled with quoted params.  Returns rows as lists of strings."""
        if params:
            query = query % tuple(_quote(p) for p in params)
        out = subprocess.run(["mariadb", f"--socket={self.var}/db/mysqld.sock", "--default-character-set=utf8mb4", "--batch", "--skip-column-names",
                              "strongroom", "-e", query], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return [line.split("\t") for line in out.stdout.splitlines()]

    def db_pid(self):
        with open(os.path.join(self.var, "db", "mysqld.pid")) as f:
            return int(f.read().strip())

    def kill_db(self, hold=False):
        """Kills mariadbd hard.  With hold, the runner leaves it down until release_db()."""
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

    def wait_db(self):
        for _ in range(600):
            ok = subprocess.run(["mariadb-admin", f"--socket={self.var}/db/mysqld.sock", "ping"],
                                capture_output=True).returncode == 0
            if ok:
                return
            time.sleep(0.1)
        raise RuntimeError("the database did not come back:\n" + self.logs())

    def restart_program(self, name):
        """Stops a program's whole pool; the runner starts it again."""
        pidfile = os.path.join(self.var, "run", name + ".pid")
        with open(pidfile) as f:
            old = int(f.read())
        os.kill(old, signal.SIGTERM)
        for _ in range(200):
            try:
                with open(pidfile) as f:
                    new = int(f.read())
                if new != old and os.path.exists(os.path.join(self.var, "run", name + ".sock")):
                    r = requests.get(self.base + "/" + ("admin" if name == "backoffice" else name) + "/")
                    if r.status_code < 500:
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
        if os.environ.get("STRONGROOM_KEEP_VAR"):
            print("kept", s.var)
        else:
            os.makedirs(ARTIFACTS, exist_ok=True)
            logdir = os.path.join(s.var, "log")
            if os.path.isdir(logdir):
                shutil.copytree(logdir, os.path.join(ARTIFACTS, "stack-logs-" + os.path.basename(s.var)), dirs_exist_ok=True)
            shutil.rmtree(s.var, ignore_errors=True)


@pytest.fixture
def login(stack):
    def do(user, password):
        s = requests.Session()
        r = s.get(stack.base + "/admin/login")
        assert r.status_code == 200
        r = s.post(stack.base + "/admin/login", data={"_csrf": csrf_of(r.text), "username": user, "password": password},
                   allow_redirects=False)
        assert r.status_code == 303, f"log-in of {user} failed with {r.status_code}"
        return s
    return do
