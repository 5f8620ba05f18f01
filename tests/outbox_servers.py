"""Real local servers for the outbox tests: an SMTP server (aiosmtpd) and the SMS gateway's
webhook (http.server in a thread). Both record what they receive; the webhook answers with
the statuses it is told to, or too slowly."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

WEBHOOK_SECRET = "test-gateway-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from,
                              "subject": str(message["subject"]), "body": message.get_body().get_content()})
        return "250 OK"


class SMTPServer:
    def __init__(self):
        self.sink = _Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.sink.messages

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


class WebhookServer:
    """`statuses` are answered in turn (the last one repeats); `delay` seconds before each answer."""

    def __init__(self, statuses=(200,), delay: float = 0.0):
        self.calls: list[dict] = []
        self.statuses, self.delay = list(statuses), delay
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.calls.append({"headers": dict(self.headers), "body": body, "path": self.path})
                time.sleep(server.delay)
                status = server.statuses.pop(0) if len(server.statuses) > 1 else server.statuses[0]
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}')
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def signature_ok(call) -> bool:
        headers = {k.lower(): v for k, v in call["headers"].items()}
        expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), headers["x-ancha-timestamp"].encode() + b"." + call["body"],
                                        hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers["x-ancha-signature"])

    @staticmethod
    def payload(call) -> dict:
        return json.loads(call["body"])


@pytest.fixture
def smtp_server(settings):
    server = SMTPServer().start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "weibaoban@qianxi.example.cn"
    yield server
    server.stop()


def use_webhook(settings, server: WebhookServer, timeout: float = 2.0):
    settings.ANCHA_SMS_WEBHOOK_URL = server.url
    settings.ANCHA_SMS_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ANCHA_SMS_WEBHOOK_TIMEOUT = timeout


@pytest.fixture
def webhook_server(settings):
    server = WebhookServer().start()
    use_webhook(settings, server)
    yield server
    server.stop()
