"""Shared renders: a PDF costs ~0.2 s warm, so each letter below is rendered once per session."""

from __future__ import annotations

import copy
import socket

import pytest

from inspection.notices import fonts
from inspection.notices.renderer import NoticeDocumentSpec, get_renderer
from inspection.notices.samples import sample_snapshot

NUMBER = "黔西未保办约〔2026〕3号"
VERIFY_CODE = "7KQ2-M9XD-4HTP"
VERIFY_URL = "https://ancha.example.cn/verify/7KQ2M9XD4HTP"

# 28 characters of plain CJK text with no punctuation, so no line-breaking rule can move a
# character: every full line of it must hold exactly 28.
GRID_TEXT = "未成年人保护工作暗查暗访发现问题整改落实情况督查" * 40


def issued(snapshot: dict, number: str = NUMBER) -> NoticeDocumentSpec:
    return NoticeDocumentSpec(snapshot, draft=False, number=number, verify_code=VERIFY_CODE,
                              verify_url=VERIFY_URL)


@pytest.fixture(scope="session")
def renderer():
    fonts.build()  # idempotent: a no-op after `make install`, ~30 s on a bare checkout
    return get_renderer()


@pytest.fixture(scope="session")
def summons_pdf(renderer) -> bytes:
    return renderer.render(issued(sample_snapshot("summons")))


@pytest.fixture(scope="session")
def draft_pdf(renderer) -> bytes:
    return renderer.render(NoticeDocumentSpec(sample_snapshot("summons"), draft=True))


@pytest.fixture(scope="session")
def circular_pdf(renderer) -> bytes:
    return renderer.render(issued(sample_snapshot("circular"), "黔西未保办通〔2026〕49号"))


@pytest.fixture(scope="session")
def grid_pdf(renderer) -> bytes:
    """A rectification notice whose one finding runs over a full page of plain text."""
    snapshot = sample_snapshot("rectification")
    snapshot["findings"] = [{"area": "组织领导", "item": None, "severity": "major",
                             "text": GRID_TEXT, "location": None, "observed_at": None}]
    return renderer.render(issued(snapshot, "黔西未保办改〔2026〕12号"))


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self, wait: float = 0.3) -> int:
        import select

        count = 0
        while select.select([self.sock], [], [], wait)[0]:
            conn, _ = self.sock.accept()
            conn.close()
            count += 1
            wait = 0.05
        return count

    def close(self):
        self.sock.close()


def hostile_strings(port: int) -> dict[str, str]:
    return {
        "img": "<img src=file:///etc/passwd>",
        "link": "<link rel=attachment href=file:///etc/passwd>",
        "http_img": f'<img src="http://127.0.0.1:{port}/pixel.png">',
        "http_text": f"http://127.0.0.1:{port}/leak",
        "style": f"<style>@import url(http://127.0.0.1:{port}/x.css);</style>",
        "jinja": "{{ 7*7 }}{% raw %}",
        "entity": "&amp; &lt;b&gt; </p><script>alert(1)</script>",
        "css_url": f"url(http://127.0.0.1:{port}/font.otf)",
    }


@pytest.fixture(scope="session")
def hostile(renderer):
    """A summons whose every free-text field holds markup, URLs and a character outside
    GB2312, rendered while a listener on 127.0.0.1 waits for a fetch."""
    listener = Listener()
    bad = hostile_strings(listener.port)
    snapshot = sample_snapshot("summons", township=("520581107", "永燊彝族苗族乡"))
    snapshot["official"] = {"name": "李燊", "post": bad["jinja"]}
    snapshot["findings"] = copy.deepcopy(snapshot["findings"][:1]) + [
        {"area": "强制报告", "item": bad["style"], "severity": "major", "text": bad["img"],
         "location": bad["link"], "observed_at": None},
        {"area": "监测预防", "item": None, "severity": "minor", "text": bad["http_img"],
         "location": bad["http_text"], "observed_at": None},
    ]
    snapshot["meeting"]["place"] = bad["entity"]
    snapshot["copy_to"] = [bad["css_url"]]
    pdf = renderer.render(issued(snapshot))
    connections = listener.connections()
    listener.close()
    yield {"pdf": pdf, "strings": bad, "connections": connections, "snapshot": snapshot}
