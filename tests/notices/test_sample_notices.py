import re

from django.core.management import call_command

from inspection.models import Notice, NoticeCounter
from tests.notices import pdftools as P
from tests.notices.workflow import make_draft


def test_sample_notices_previews_every_kind_without_numbering_or_storing(county, jinbi, zhang, tmp_path):
    make_draft(county, jinbi, zhang, "summons")  # demo data holds a summons; the rest come from samples
    before = Notice.objects.count()
    call_command("sample_notices", out=tmp_path / "out")
    for kind in ("rectification", "summons", "referral", "circular"):
        pdf = (tmp_path / "out" / f"{kind}.pdf").read_bytes()
        text = P.text(pdf)
        assert "草稿" in text
        # no number line of its own under the red rule (a referral's 附件 lists earlier letters' numbers)
        assert not re.search(r"^\S*〔\d{4}〕\d+号$", P.text(pdf, page=1), re.M)
        assert "黔西市未成年人保护工作委员会办公室" in text
    assert "金碧镇" in P.text((tmp_path / "out" / "summons.pdf").read_bytes())
    assert Notice.objects.count() == before
    assert not NoticeCounter.objects.exists()
