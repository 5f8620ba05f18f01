"""The detector on its own (pure, no database): the fixed corpus, each kind's shape and mask, and
the near misses an inspector's ordinary wording is full of."""

import pytest

import privacy
from privacy.detector import is_resident_id
from tests.privacy import corpus

PERSONAL = corpus.personal()
ORDINARY = corpus.ordinary()


def test_the_corpus_is_as_large_as_the_issue_asks():
    assert len(PERSONAL) + len(ORDINARY) >= 300
    assert len(ORDINARY) >= 150
    kinds = {hit.kind for row in PERSONAL for hit in privacy.find(row.text)}
    assert kinds >= {"id_number", "mobile", "name", "school_class", "address"}


@pytest.mark.parametrize("row", PERSONAL, ids=lambda r: r.text[:12])
def test_every_personal_value_of_the_corpus_is_masked_and_warned_of(row):
    masked = privacy.mask(row.text)
    assert corpus.leaks(row.values, masked) == [], masked
    assert privacy.warnings(row.text)
    assert privacy.mask(masked) == masked  # masking a letter twice changes nothing


def test_at_most_two_percent_of_the_ordinary_findings_are_flagged():
    flagged = [row.text for row in ORDINARY if privacy.find(row.text)]
    assert len(flagged) <= 0.02 * len(ORDINARY), flagged


def test_ordinary_findings_come_out_of_mask_unchanged_but_for_the_flagged():
    changed = [row.text for row in ORDINARY if privacy.mask(row.text) != row.text]
    assert changed == [row.text for row in ORDINARY if privacy.find(row.text)]


class TestResidentIdNumbers:
    def test_a_valid_number_is_masked_to_its_first_and_last_four(self):
        assert privacy.mask("身份证号520581201003151233。") == "身份证号5205**********1233。"

    def test_an_x_check_character_is_recognised_in_either_case(self):
        assert privacy.mask("52058120140101068x") == "5205**********068X"

    def test_a_wrong_check_digit_or_an_impossible_birth_date_is_not_an_id_number(self):
        assert not is_resident_id("520581201003151234")  # check digit off by one
        assert not is_resident_id("520581201013151230")  # month 13
        assert privacy.find("档案编号520581201003151234") == []

    def test_a_number_inside_a_longer_run_or_a_digest_is_left_alone(self):
        assert privacy.find("5205812010031512339") == []
        assert privacy.find("sha256 ab520581201003151233cd") == []


class TestPhones:
    @pytest.mark.parametrize("written", ["13885176543", "138 8517 6543", "138-8517-6543", "+86 138 8517 6543"])
    def test_a_mobile_number_is_masked_however_it_is_spaced(self, written):
        assert privacy.mask(f"家长电话{written}。") == "家长电话138****6543。"

    def test_a_landline_needs_its_area_code_set_apart(self):
        assert privacy.mask("电话0857-8221234") == "电话0857-****1234"
        assert privacy.find("罚款08578221234元") == []  # no separator: not read as a phone

    def test_amounts_dates_and_the_hotline_are_not_phones(self):
        assert privacy.find("2025年12月1日查处，罚款5000元，资金12.6万元，热线12355，编号20251201001") == []


class TestNames:
    @pytest.mark.parametrize("text, masked", [
        ("留守儿童张小花长期独自在家", "留守儿童张某某长期独自在家"),
        ("学生欧阳子轩未到校", "学生欧阳某某未到校"),
        ("张小花（女，9岁）", "张某某（女，9岁）"),
        ("其叔叔汪建平，汪建平长期在外", "其叔叔汪某某，汪某某长期在外"),
        ("学生李明在校外", "学生李某某在校外"),
    ])
    def test_a_child_or_a_family_member_named_after_the_word_that_introduces_them(self, text, masked):
        assert privacy.mask(text) == masked

    @pytest.mark.parametrize("text", [
        "学生安全教育", "留守儿童关爱服务", "儿童之家", "儿童主任", "儿童督导员", "学生资助资金", "孤儿基本生活费",
        "站长由民政办主任兼任", "网格员入户走访", "学生宿舍", "家长会", "学生王某某", "学生成长档案", "学生严重违纪",
    ])
    def test_the_words_of_ordinary_findings_are_not_names(self, text):
        assert privacy.find(text) == []


class TestSchoolsAndAddresses:
    @pytest.mark.parametrize("text, masked", [
        ("金碧镇中心小学三年级二班", "某某中心小学某年级某班"),
        ("育才小学二（4）班", "某某小学某年级某班"),
        ("初二（3）班学生", "某年级某班学生"),
        ("新华村3组12号", "新华村某组某号"),
        ("城关镇人民路108号", "城关镇人民路某号"),
        ("和谐社区5栋2单元301室", "和谐社区某栋某单元某室"),
    ])
    def test_a_class_and_a_house_are_masked(self, text, masked):
        assert privacy.mask(text) == masked

    @pytest.mark.parametrize("text", ["红旗村3组至5组的河道", "金碧镇3个村", "三年级学生12人", "中心小学未建立心理辅导室",
                                      "黔西未保办改〔2026〕12号"])
    def test_villages_groups_grades_and_document_numbers_alone_are_not_personal(self, text):
        assert privacy.find(text) == []


def test_mask_value_masks_every_string_inside_and_leaves_other_values():
    data = {"reason": "学生张小花", "n": 3, "list": ["138 8517 6543", None], "nested": {"ok": True}}
    assert privacy.mask_value(data) == {"reason": "学生张某某", "n": 3, "list": ["138****6543", None],
                                        "nested": {"ok": True}}


def test_warnings_are_chinese_sentences_naming_the_kind_and_never_the_value():
    said = privacy.warnings("留守儿童张小花，电话13885176543")
    assert len(said) == 2 and all("疑似含有" in w for w in said)
    assert not any("张小花" in w or "13885176543" in w for w in said)


def test_digests_and_codes_in_the_audit_log_are_never_masked():
    """record_event masks every string of an event's data: a SHA-256 that begins like a mobile number
    (these were masked before the boundary was made alphanumeric) must come through unchanged, or the
    record would no longer match what it hashes."""
    import hashlib

    found = ["16776485429a63cd147b24fe94d798cfd383fe29f95ca410dc208105c14071d1",
             "13801245552e07787bfe57216a85f64b14a6c47fa38ab746e3eba906740aeac5"]
    digests = found + [hashlib.sha256(str(i).encode()).hexdigest() for i in range(20000)]
    assert [d for d in digests if privacy.mask(d) != d] == []
    assert privacy.mask("联系电话13812345678。") == "联系电话138****5678。"
