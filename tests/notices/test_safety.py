"""User text is only ever text: markup and URLs in a finding print literally, fetch
nothing and attach nothing."""

from __future__ import annotations

import io
import os

import pypdf
import pytest
from weasyprint import HTML

from inspection.notices.fetcher import LockedURLFetcher, RefusedFetch
from inspection.notices.renderer import TEMPLATE_DIR, NoticeDocumentSpec, get_renderer
from tests.notices import pdftools as P
from tests.notices.conftest import Listener


def test_hostile_strings_print_literally_and_exactly(hostile):
    text = P.flat(P.text(hostile["pdf"]))
    for name, value in hostile["strings"].items():
        assert P.flat(value) in text, name


def test_short_fields_come_back_character_for_character(hostile):
    lines = [ln.text for page in range(1, P.page_count(hostile["pdf"]) + 1)
             for ln in P.lines(hostile["pdf"], page)]
    assert any("（三）约谈人。" in ln for ln in lines)
    assert any(ln == "抄送：" + hostile["strings"]["css_url"] + "。" for ln in lines)
    assert "李燊" in P.text(hostile["pdf"])


def test_a_character_outside_gb2312_prints_from_the_full_font_behind_the_subset(hostile):
    assert "永燊彝族苗族乡" in P.text(hostile["pdf"])
    names = [row["name"].split("+", 1)[1] for row in P.fonts(hostile["pdf"])]
    assert "Ancha-Serif-SC" in names  # the subset carries the rest
    assert "Noto-Serif-CJK-SC" in names  # 燊 came from the full face


def test_rendering_hostile_text_made_no_connection(hostile):
    assert hostile["connections"] == 0


def test_the_pdf_has_no_attachment_link_or_script(hostile):
    pdf = hostile["pdf"]
    names = P.all_names(pdf)
    assert "/Font" in names and "/Page" in names  # the walk did reach the pages
    for forbidden in ("/EmbeddedFiles", "/EmbeddedFile", "/FileAttachment", "/Filespec", "/URI",
                      "/JavaScript", "/JS", "/Launch", "/OpenAction", "/AA", "/AcroForm"):
        assert forbidden not in names
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "/Names" not in reader.trailer["/Root"]
    assert all("/Annots" not in page for page in reader.pages)
    assert reader.attachments == {}


def test_the_attachment_check_would_see_an_attachment_and_a_link():
    # the check above, pointed at a PDF that has both
    pdf = HTML(string='<a href="http://127.0.0.1:9/">x</a>'
                      '<link rel=attachment href="data:text/plain,hi">').write_pdf()
    assert {"/EmbeddedFiles", "/URI"} <= P.all_names(pdf)


def test_the_html_carries_user_text_escaped(hostile):
    renderer = get_renderer()
    html = renderer.html(NoticeDocumentSpec(hostile["snapshot"], draft=True))
    assert "<img src=file" not in html and "<link rel=attachment" not in html
    assert "&lt;img src=file:///etc/passwd&gt;" in html
    assert "<script>" not in html
    assert "{{ 7*7 }}" in html  # data, never evaluated


# -- the fetcher on its own -------------------------------------------------------

@pytest.fixture
def fetcher():
    return LockedURLFetcher([TEMPLATE_DIR])


def test_fetcher_serves_data_urls(fetcher):
    response = fetcher.fetch("data:text/plain;base64,5YWs5paH")
    assert response.read() == "公文".encode()


def test_fetcher_serves_the_projects_own_assets(fetcher):
    response = fetcher.fetch((TEMPLATE_DIR / "notice.css").as_uri())
    assert b"GB/T 9704" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    (TEMPLATE_DIR / ".." / ".." / "pyproject.toml").as_uri(),
    "file://" + str(TEMPLATE_DIR) + "/../../../etc/passwd",
    (TEMPLATE_DIR / "notice.css").as_uri() + "?x=1",
    "ftp://127.0.0.1/x",
    "https://example.com/font.otf",
    "notice.css",
])
def test_fetcher_refuses_everything_else(fetcher, url):
    with pytest.raises(RefusedFetch):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_refuses_a_symlink_out_of_an_allowed_folder(tmp_path):
    (tmp_path / "assets").mkdir()
    os.symlink("/etc/passwd", tmp_path / "assets" / "logo.png")
    fetcher = LockedURLFetcher([tmp_path / "assets"])
    with pytest.raises(RefusedFetch):
        fetcher.fetch((tmp_path / "assets" / "logo.png").as_uri())


def test_fetcher_refuses_loopback_http_without_connecting(fetcher):
    listener = Listener()
    try:
        with pytest.raises(RefusedFetch):
            fetcher.fetch(f"http://127.0.0.1:{listener.port}/x")
        assert listener.connections() == 0
    finally:
        listener.close()


def test_a_document_that_asks_for_a_file_stops_the_render(fetcher):
    with pytest.raises(RefusedFetch):
        HTML(string='<img src="file:///etc/passwd">', base_url=None, url_fetcher=fetcher).write_pdf()
