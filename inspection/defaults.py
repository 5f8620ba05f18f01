"""Default rules a county starts with (DESIGN.md §5). Data, not behaviour."""

from scoring import Severity

MINOR, MAJOR, CRITICAL = Severity.MINOR.value, Severity.MAJOR.value, Severity.CRITICAL.value

CHECKLIST_V1_NAME = "未成年人保护工作暗查暗访检查清单"

# (area, item, severity if failed)
CHECKLIST_V1 = [
    ("组织领导", "乡镇（街道）未成年人保护工作站建立，配备2名专职工作人员，在岗在位", MAJOR),
    ("组织领导", "明确副科级以上干部包保联系、督促指导，有工作记录", MINOR),
    ("经费", "关爱资金按预算到位、按规定使用，有资金台账", MAJOR),
    ("儿童之家", "村（社区）、学校儿童之家正常开放，设施齐备，有活动记录", MINOR),
    ("寄宿", "留守儿童优先安排寄宿", MINOR),
    ("生活保障", "孤儿、事实无人抚养儿童基本生活费按标准（1600元/1050元）按时足额发放", CRITICAL),
    ("生活保障", "低保、特困救助供养政策覆盖符合条件的未成年人", MAJOR),
    ("医疗", "学生及困境儿童意外伤害保险全覆盖，大病医疗报销比例不低于90%", MAJOR),
    ("控辍保学", "留守儿童、困境儿童无辍学，入学辍学台账及时更新", CRITICAL),
    ("监测预防", "学校、家庭、社会三方监测网络有记录，救助热线广泛公布", MINOR),
    ("强制报告", "签订强制报告责任承诺书，张贴强制报告工作流程图", MAJOR),
    ("强制报告", "强制报告线索及时接收、登记、研判、转介", CRITICAL),
    ("应急处置", "制定应急处置预案，本半年度开展演练", MINOR),
    ("评估帮扶", "3月、9月、12月开展风险评估", MAJOR),
    ("评估帮扶", "一般风险每月走访、高风险每周走访，记录完整", CRITICAL),
    ("监护干预", "每名留守儿童落实监护人登记（“五个一批”措施）", CRITICAL),
]

DEMO_COUNTY_CODE = "520581"
DEMO_PASSWORD_DEFAULT = "ancha-demo"


def doc_prefix_for(county_name: str) -> str:
    """黔西市 → 黔西未保办 (the short place name, then the office's short name)."""
    short = county_name
    for suffix in ("自治县", "自治旗", "市", "县", "区", "旗"):
        if short.endswith(suffix) and len(short) > len(suffix) + 1:
            short = short[: -len(suffix)]
            break
    return f"{short}未保办"


def authority_for(county_name: str) -> str:
    return f"{county_name}未成年人保护工作委员会办公室"
