"""Example snapshots of every kind, shaped exactly like the ones the services freeze.

Used by the tests, the benchmark and as a fallback preview; made-up people, real township
names of 黔西市 (including 永燊彝族苗族乡, whose 燊 lies outside GB2312).
"""

from __future__ import annotations

import copy
from datetime import date, datetime

from . import compose

LETTERHEAD = compose.Letterhead(county="黔西市", authority="黔西市未成年人保护工作委员会办公室", doc_prefix="黔西未保办")
DATE = date(2026, 12, 1)
CONTACT = {"name": "王敏", "phone": "0857-4221234"}
VISIT = compose.Visit(on=date(2026, 11, 26), score=52, checklist_version=1, team="市未保办第二督查组")
OFFICIAL = {"name": "张建国", "post": "党委副书记"}
FINDINGS = [compose.finding(**f) for f in [
    {"area": "生活保障", "item": "孤儿、事实无人抚养儿童基本生活费按标准按时发放",
     "severity": "critical",
     "text": "抽查发现2026年10月事实无人抚养儿童基本生活费未按时发放，涉及3户，延迟发放达26天。",
     "location": "镇民政办", "observed_at": datetime(2026, 11, 26, 10, 20)},
    {"area": "组织领导", "item": "乡镇未保工作站设立并配备2名专职工作人员",
     "severity": "major",
     "text": "镇未成年人保护工作站仅配备1名工作人员且为兼职，检查时无人在岗值守。",
     "location": "镇未保工作站"},
    {"area": "强制报告", "item": "强制报告责任承诺书签订、流程图上墙", "severity": "major",
     "text": "辖区内2所村级卫生室未签订强制报告责任承诺书，流程图未上墙。",
     "location": None},
    {"area": "评估帮扶", "item": "入户走访：一般风险每月一次、高风险每周一次，记录完整",
     "severity": "critical",
     "text": "高风险儿童入户走访记录缺失9月、10月两个月，走访频次不符合每周一次的要求。",
     "location": None},
    {"area": "儿童之家", "item": "村（校）儿童之家开放、设施配备、活动记录", "severity": "minor",
     "text": "新建村儿童之家未按规定时间开放，活动记录本自2026年8月起未再登记。",
     "location": "新建村"},
]]




def _rectification(place: compose.Place) -> dict:
    return compose.rectification(
        letterhead=LETTERHEAD, township=place, on=DATE, contact=CONTACT,
        copy_to=["市未保委各成员单位", "市民政局"],
        visit=compose.Visit(on=VISIT.on, score=78, checklist_version=1, team=VISIT.team),
        findings=copy.deepcopy(FINDINGS[1:3] + FINDINGS[4:]),
        deadline=date(2026, 12, 16),
        requirements=[
            "对照问题清单逐项制定整改措施，明确责任人和完成时限。",
            "举一反三开展自查，对同类问题一并整改。",
            "整改完成后报送整改报告，并附整改前后对比照片等佐证材料。",
        ],
    )


def _summons(place: compose.Place) -> dict:
    name = place.name
    return compose.summons(
        letterhead=LETTERHEAD, township=place, on=DATE, contact=CONTACT,
        copy_to=["市纪委市监委", "市未保委各成员单位"], attachments=["暗查暗访问题清单"],
        visit=VISIT, findings=copy.deepcopy(FINDINGS),
        grounds=["存在严重问题2项（生活保障、评估帮扶）。", "检查得分52分，低于60分。"],
        official=OFFICIAL,
        meeting={
            "start": "2026-12-03T09:30",
            "place": "市民政局三楼会议室",
            "host": "市未保委副主任、市民政局局长",
            "attendees": [f"{name}分管负责人", f"{name}未保工作站负责人", f"{name}民政办负责人"],
            "bring": [
                "问题整改方案（加盖公章）",
                "孤儿、事实无人抚养儿童基本生活费发放台账及银行发放凭证",
                "高风险儿童入户走访记录",
            ],
        },
        warning=f"对{name}予以预警，并在全市未成年人保护工作中予以通报。",
        key_management={"start": "2026-12-01", "ratio": 2, "min_weeks": 8,
                        "follow_up": "整改期满后2至4周内由其他督查组开展“回头看”"},
        requirements=[
            "高度重视约谈工作，认真分析问题产生的原因，深刻剖析责任。",
            "立即组织整改，于约谈后15日内将整改情况书面报市未保办。",
            "举一反三，全面排查辖区未成年人保护工作薄弱环节，建立长效机制。",
        ],
    )


def _referral(place: compose.Place) -> dict:
    return compose.referral(
        letterhead=LETTERHEAD, township=place, on=DATE, contact=CONTACT, copy_to=["市未保委主任、副主任"],
        official=OFFICIAL,
        grounds=[
            "纳入重点管理期间再次出现突出问题。",
            "整改通知书规定的整改期限届满后经提醒仍逾期15日以上未完成整改。",
        ],
        history=[
            {"date": "2026-09-10", "event": "市未保办下发整改通知书", "number": "黔西未保办改〔2026〕12号"},
            {"date": "2026-10-08", "event": "对分管负责人进行约谈并纳入重点管理", "number": "黔西未保办约〔2026〕3号"},
            {"date": "2026-11-26", "event": "“回头看”再次发现突出问题", "number": None},
        ],
        findings=copy.deepcopy(FINDINGS[:2]),
    )


CIRCULAR_ROWS = [
    ("520581001", "锦星镇", "2026-11-30", "第一组", 94, 2, 0, 0),
    ("520581107", "永燊彝族苗族乡", "2026-12-01", "第三组", 86, 3, 0, 1),
    ("520581002", "文峰街道", "2026-12-02", "第二组", 81, 3, 0, 2),
    ("520581100", "金碧镇", "2026-12-03", "第一组", 52, 5, 2, 2),
]


def _circular(place: compose.Place) -> dict:
    problems = [
        {"township": "金碧镇", "area": f["area"], "severity": f["severity"], "text": f["text"]}
        for f in FINDINGS[:3]
    ] + [
        {"township": "永燊彝族苗族乡", "area": "控辍保学", "severity": "major",
         "text": "控辍保学台账未及时更新，2名学生去向登记不清。"},
        {"township": "文峰街道", "area": "应急处置", "severity": "minor",
         "text": "应急预案未根据人员变动及时修订，本半年度未组织演练。"},
    ]
    return compose.circular(
        letterhead=LETTERHEAD, on=date(2026, 12, 4), week_start=date(2026, 11, 30),
        addressee="各乡镇人民政府、街道办事处，市未保委各成员单位", copy_to=["市委办公室", "市人民政府办公室"],
        rows=[{"rank": i + 1, "township": {"code": c, "name": n}, "date": d, "team": t,
               "score": sc, "findings": nf, "critical": cr, "major": mj}
              for i, (c, n, d, t, sc, nf, cr, mj) in enumerate(CIRCULAR_ROWS)],
        # Stated, not derived: the sample shows a handful of the week's problems, not all 13.
        summary={"inspections": 4, "townships": 4, "findings": 13, "critical": 2, "major": 5, "average_score": 78.3},
        problems=problems,
        requirements=[
            "各乡镇（街道）要对照通报问题开展自查自纠，切实压实分管负责人责任。",
            "被纳入重点管理的乡镇要按期完成整改，迎接“回头看”。",
        ],
    )


def _transfer(place: compose.Place) -> dict:
    return compose.transfer(
        letterhead=LETTERHEAD, on=DATE, addressee="黔西市公安局", agency="公安机关",
        what="督查组入户走访时发现该儿童面部、手臂有多处新旧淤伤，自述常被同住成年人殴打，家中无其他监护人在场。",
        location=f"{place.name}某村", discovered_at=datetime(2026, 11, 30, 15, 40), child="约9岁男童，小学在读",
        reported_by="黔西市未成年人保护工作委员会办公室督查组", contact=CONTACT,
    )


SAMPLES = {"rectification": _rectification, "summons": _summons, "referral": _referral, "circular": _circular,
           "transfer": _transfer}


def sample_snapshot(kind: str, *, township: tuple[str, str] = ("520581100", "金碧镇")) -> dict:
    """An example snapshot of `kind` (a circular names its own townships)."""
    if kind not in SAMPLES:
        raise ValueError(f"unknown notice kind {kind!r}")
    return SAMPLES[kind](compose.Place(*township))
