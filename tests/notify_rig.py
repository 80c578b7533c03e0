"""A notifyd of our own for the notifyd tests, against the test stack's
database, and the servers it delivers to: a local HTTP server standing in
for the SMS gateway and the Slack and Teams webhooks, and aiosmtpd SMTP
servers in plain, STARTTLS and SMTPS flavours with a self-signed
certificate made by openssl.  Every server records what it received, so
the tests count deliveries at the receiving end."""
import asyncio
import email
import itertools
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
from daemon_rig import stop_process
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from boards_rig import wait_for
from helpers import uniq

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- HTTP

class HttpSink:
    """Records every POST as {"path", "headers" (lower-case names), "body"
    (bytes)} and answers with respond(request) -> (status, body bytes),
    by default 200 {"message_id": "gw-N"}.  hold() makes the next request
    wait, after it is recorded, until release()."""

    def __init__(self, port=0, respond=None):
        self.requests = []
        self.lock = threading.Lock()
        self.respond = respond or self.accept
        self.counter = itertools.count(1)
        self._hold = None
        self.held = threading.Event()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                req = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": self.rfile.read(length)}
                with sink.lock:
                    sink.requests.append(req)
                    hold, sink._hold = sink._hold, None
                if hold:
                    sink.held.set()
                    hold.wait(60)
                status, body = sink.respond(req)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass            # the client is gone (killed on purpose)

            def log_message(self, fmt, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accept(self, req):
        return 200, json.dumps({"message_id": f"gw-{next(self.counter)}", "status": "queued"}).encode()

    def hold(self):
        self._hold = threading.Event()
        self.held.clear()
        return self._hold

    def for_key(self, key):
        """The requests that carried this Idempotency-Key."""
        with self.lock:
            return [r for r in self.requests if r["headers"].get("idempotency-key") == key]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- SMTP

class _Loop:
    """One asyncio loop in a thread for every SMTP server of the session."""
    loop = None

    @classmethod
    def get(cls):
        if cls.loop is None:
            cls.loop = asyncio.new_event_loop()
            threading.Thread(target=cls.loop.run_forever, daemon=True).start()
        return cls.loop


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 and localhost; returns (cert, key)."""
    cert, key = os.path.join(directory, "smtp-cert.pem"), os.path.join(directory, "smtp-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class SmtpSink:
    """mode: "plain" (no STARTTLS offered), "starttls" (offered and
    required before MAIL) or "smtps" (TLS from the first byte).  With
    login=(user, password), AUTH is offered (over TLS only) and checked.
    Records messages as {"from", "to", "content" (bytes), "tls"} and
    log-ins as (mechanism, accepted);
    mail_commands counts MAIL FROM commands that reached it."""

    def __init__(self, mode, cert=None, login=None):
        import ssl
        self.messages, self.mail_commands, self.logins = [], 0, []
        ctx = None
        if mode != "plain":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*cert)
        sink = self

        class Handler:
            async def handle_MAIL(self, server, session, envelope, address, mail_options):
                sink.mail_commands += 1
                envelope.mail_from = address
                envelope.mail_options.extend(mail_options)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                tls = server.transport.get_extra_info("ssl_object") is not None
                sink.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                      "content": envelope.content, "tls": tls})
                return "250 2.0.0 Ok: queued"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == login
            sink.logins.append((mechanism, ok))
            return AuthResult(success=ok)

        kw = {}
        if mode == "starttls":
            kw = {"tls_context": ctx, "require_starttls": True}
        if login:
            kw.update(authenticator=authenticator, auth_require_tls=True)
        loop = _Loop.get()

        def factory():
            return SMTP(Handler(), hostname="localhost", **kw)

        fut = asyncio.run_coroutine_threadsafe(
            loop.create_server(factory, "127.0.0.1", 0, ssl=ctx if mode == "smtps" else None), loop)
        self.server = fut.result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self):
        loop = _Loop.get()
        loop.call_soon_threadsafe(self.server.close)


def parse_mail(content):
    """A received message as a reader's mail store keeps it (local line
    ends), parsed by Python's email package."""
    return email.message_from_bytes(content.replace(b"\r\n", b"\n"), policy=policy.default)


# ---------------------------------------------------------------- notifyd

class Notifyd:
    """A notifyd process with its own config: the stack's file without its
    Notify.* keys, plus settings (a dict of Notify.* keys without the
    "Notify." prefix) and short waits for the tests.  secrets: file name ->
    content, written under a private directory; "{secrets}" in a setting
    names that directory."""

    def __init__(self, stack, settings=None, secrets=None, worker=None):
        self.stack = stack
        self.worker = worker or uniq("w-")
        self.dir = tempfile.mkdtemp(prefix="notifyd-", dir=os.path.join(stack.var, "run"))
        os.chmod(self.dir, 0o700)
        for name, content in (secrets or {}).items():
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(content)
            os.chmod(path, 0o600)
        base = {"Worker": self.worker, "IdPrefix": "t-", "PollMs": "50", "Retry.BaseMs": "200",
                "Retry.CapMs": "1000", "ConnectTimeoutMs": "2000", "TimeoutMs": "20000"}
        base.update(settings or {})
        with open(os.path.join(stack.var, "strongroom.hdf")) as f:
            lines = [ln for ln in f.read().splitlines() if not ln.startswith(("Notify.", "Log.Level"))]
        lines.append("Log.Level = info")
        lines += [f"Notify.{k} = {str(v).replace('{secrets}', self.dir)}" for k, v in base.items() if v is not None]
        self.config = os.path.join(self.dir, "strongroom.hdf")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log_path = os.path.join(stack.var, "log", f"notifyd-{self.worker}.log")
        self.proc = None
        self.binary = os.path.join(stack.build, "bin", "notifyd")

    def start(self, wait=True):
        # A restart under the same worker appends to the same log: look
        # for this start's line only.
        since = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.binary, "-c", self.config], stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log)
        if wait:
            marker = f"worker {self.worker}:"

            def started():
                if self.proc.poll() is not None:
                    raise AssertionError(f"notifyd exited with {self.proc.returncode}:\n{self.log()}")
                return marker in self.log(since)
            wait_for("notifyd to start", started)
        return self

    def log(self, since=0):
        """The log from byte offset since."""
        with open(self.log_path, "rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        return stop_process(self.proc, "notifyd", sig, timeout, self.log)

    def run(self, *args, stdin=None):
        """notifyd's command line with this config; returns the
        CompletedProcess (text)."""
        return subprocess.run([self.binary, "-c", self.config, *args], input=stdin, capture_output=True,
                              text=True, timeout=60)

    def put(self, **message):
        """A message through `notifyd put` (lib/outbox's outbox_put); returns its id."""
        out = self.run("put", stdin=json.dumps(message))
        assert out.returncode == 0, (out.stdout, out.stderr)
        return int(out.stdout.split()[0])


def row(stack, mid):
    """The outbox row of a message as a dict of text."""
    cols = ["state", "attempts", "max_attempts", "recipient", "claimed_by", "last_error", "provider_ref",
            "TIMESTAMPDIFF(MICROSECOND, updated_at, next_attempt_at)", "sent_at IS NOT NULL"]
    values = stack.sql(f"SELECT {', '.join(cols)} FROM outbox WHERE id = %s", mid)[0]
    keys = ["state", "attempts", "max_attempts", "recipient", "claimed_by", "last_error", "provider_ref",
            "wait_us", "has_sent_at"]
    return dict(zip(keys, values))


def wait_state(stack, ids, states, what="the messages", timeout=30):
    """Waits until every message is in one of states; returns their rows."""
    ids = list(ids)
    wanted = (states,) if isinstance(states, str) else tuple(states)

    def done():
        rows = {i: row(stack, i) for i in ids}
        return rows if all(r["state"] in wanted for r in rows.values()) else None
    return wait_for(f"{what} to be {'/'.join(wanted)}", done, timeout=timeout, every=0.1)
