"""Seed data for the registry's code tables and visit rules (REFERENCE §1.3–1.5, §1.9, §5).

Used by data migrations and by `seed_code_tables` in tests. Seeding is additive: existing
tables, values and rules are left exactly as an administrator left them.

`official` is True only where the values are a published national code list. Most lists are
what real 综治 systems use (REFERENCE marks them [V] as code, [I] as standard text); the
official GB/T 31000 code numbers were not available, so our codes are our own numbering.
"""

from __future__ import annotations

NON_OFFICIAL = "非官方：取自现有综治系统的取值（REFERENCE §1.9），编码为本系统自编"
INFERRED = "非官方：本系统默认值（REFERENCE 未给出出处），请按本地规定调整"


def _numbered(*labels: str) -> list[tuple[str, str]]:
    return [(f"{i:02d}", label) for i, label in enumerate(labels, start=1)]


ETHNICITIES = [*_numbered(
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",
    "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
), ("97", "其他"), ("98", "外国血统中国籍人士")]  # fmt: skip

# (code, name, official, source, values)
CODE_TABLES: list[tuple[str, str, bool, str, list[tuple[str, str]]]] = [
    (
        "ethnicity",
        "民族",
        True,
        "GB/T 3304 民族代码（按标准顺序整理，部署前请与标准文本核对）",
        ETHNICITIES,
    ),
    ("attention", "关注程度", False, NON_OFFICIAL, _numbered("一般", "中等", "严重")),
    (
        "family_relation",
        "与户主关系",
        False,
        "非官方：按 GB/T 4761 家庭关系代码的大类简化",
        [
            ("01", "本人（户主）"),
            ("10", "配偶"),
            ("20", "子"),
            ("30", "女"),
            ("40", "孙子女或外孙子女"),
            ("50", "父母"),
            ("60", "祖父母或外祖父母"),
            ("70", "兄弟姐妹"),
            ("99", "其他"),
        ],
    ),
    (
        "inflow_reason",
        "流入原因",
        False,
        INFERRED,
        [
            *_numbered("务工", "经商", "务农", "就学", "随迁家属", "投靠亲友", "治病"),
            ("99", "其他"),
        ],
    ),
    ("residence_certificate", "办证类型", False, INFERRED, _numbered("居住证", "暂住证", "未办证")),
    (
        "residence_type",
        "住所类型",
        False,
        INFERRED,
        [
            *_numbered("租赁房屋", "单位内部", "工地现场", "自购房屋", "借住他人房屋", "旅店"),
            ("99", "其他"),
        ],
    ),
    (
        "overseas_document",
        "境外人员证件种类",
        False,
        INFERRED,
        [
            *_numbered(
                "护照",
                "港澳居民来往内地通行证",
                "台湾居民来往大陆通行证",
                "外国人永久居留身份证",
            ),
            ("99", "其他"),
        ],
    ),
    (
        "visit_purpose",
        "来华目的",
        False,
        INFERRED,
        [*_numbered("工作", "学习", "探亲访友", "旅游", "商务", "定居"), ("99", "其他")],
    ),
    (
        "left_behind_type",
        "留守人员类型",
        False,
        "非官方：常见口径（REFERENCE §1.3 [S]）",
        _numbered("留守儿童", "留守妇女", "留守老人"),
    ),
    ("health_status", "健康状况", False, INFERRED, _numbered("健康", "一般", "较差", "残疾")),
    ("handover_status", "衔接情况", False, INFERRED, _numbered("已衔接", "未衔接")),
    ("placement_status", "安置情况", False, INFERRED, _numbered("已安置", "未安置")),
    (
        "correction_type",
        "矫正类别",
        False,
        "非官方编码；类别名称见社区矫正法第十七条",
        _numbered("管制", "缓刑", "假释", "暂予监外执行"),
    ),
    (
        "four_histories",
        "四史情况",
        False,
        NON_OFFICIAL,
        _numbered("吸毒史", "脱逃史", "自杀史", "袭警史", "无"),
    ),
    ("three_involvements", "三涉情况", False, NON_OFFICIAL, _numbered("涉毒", "涉黑", "涉枪")),
    (
        "correction_group_member",
        "矫正小组成员",
        False,
        NON_OFFICIAL + "；法定成员见社区矫正法第二十五条",
        _numbered(
            "司法所工作人员",
            "社会工作者",
            "志愿者",
            "村(居)委会人员",
            "所在单位人员",
            "就读学校人员",
            "家庭成员或监护人",
            "保证人",
            "公安民警",
            "其他",
        ),
    ),
    ("supervision_status", "脱管漏管情况", False, INFERRED, _numbered("正常", "脱管", "漏管")),
    (
        "mental_diagnosis",
        "严重精神障碍诊断类型",
        False,
        "病种名称见《严重精神障碍管理治疗工作规范(2018年版)》；编码为本系统自编",
        _numbered(
            "精神分裂症",
            "分裂情感性障碍",
            "偏执性精神病",
            "双相(情感)障碍",
            "癫痫所致精神障碍",
            "精神发育迟滞伴发精神障碍",
        ),
    ),
    (
        "treatment_status",
        "治疗情况",
        False,
        INFERRED,
        _numbered("未治疗", "间断门诊治疗", "连续门诊治疗", "住院治疗"),
    ),
    (
        "mental_assistance",
        "帮扶情况（精神障碍）",
        False,
        NON_OFFICIAL,
        _numbered("关爱救助", "心理疏导", "就业指导", "个案访谈"),
    ),
    (
        "drug_control_status",
        "管控情况",
        False,
        INFERRED + "；社区戒毒/康复见禁毒法",
        [
            *_numbered("社区戒毒", "社区康复", "强制隔离戒毒", "自愿戒毒", "已戒断"),
            ("99", "其他"),
        ],
    ),
    (
        "infection_route",
        "感染途径",
        False,
        INFERRED,
        [*_numbered("性传播", "血液传播", "母婴传播"), ("99", "其他")],
    ),
    (
        "youth_type",
        "重点青少年人员类型",
        False,
        NON_OFFICIAL + "（REFERENCE §1.5）",
        [
            *_numbered(
                "闲散青少年",
                "不良行为青少年",
                "流浪乞讨青少年",
                "服刑在教人员未成年子女",
                "农村留守儿童",
            ),
            ("99", "其他"),
        ],
    ),
    ("petition_nature", "个访或群访", False, NON_OFFICIAL, _numbered("个访", "群访")),
    (
        "visit_method",
        "走访方式",
        False,
        INFERRED,
        [*_numbered("入户走访", "电话联系", "视频通话", "约见面谈", "集中报到"), ("99", "其他")],
    ),
]

# Visit rules: (card kind, lowest risk level, highest risk level, interval days, note).
# None as a level bound: open. Severe mental disorder follows the 2018 规范 (REFERENCE §5.4);
# the others are defaults for administrators to set from local rules.
MENTAL_NOTE = "严重精神障碍管理治疗工作规范(2018年版)：每年至少随访4次"
VISIT_RULES: list[tuple[str, int | None, int | None, int, str]] = [
    ("mental_disorder", 0, 0, 90, MENTAL_NOTE + "；病情稳定、0级：3个月时随访"),
    ("mental_disorder", 1, 2, 14, MENTAL_NOTE + "；1–2级（基本稳定）：本系统默认2周内随访，请核对"),
    ("mental_disorder", 3, 5, 14, MENTAL_NOTE + "；3–5级或病情不稳定：2周内随访"),
    ("community_correction", 1, 1, 30, INFERRED + "；宽管：每月走访"),
    ("community_correction", 2, 2, 15, INFERRED + "；普管：每半月走访"),
    ("community_correction", 3, 3, 7, INFERRED + "；严管：每周走访"),
    ("released_prisoner", 1, 1, 90, INFERRED),
    ("released_prisoner", 2, 2, 60, INFERRED),
    ("released_prisoner", 3, 3, 30, INFERRED),
    ("drug_user", None, None, 30, INFERRED),
    ("aids_risk", None, None, 90, INFERRED),
    ("key_youth", None, None, 30, INFERRED),
    ("key_petitioner", 1, 1, 30, INFERRED),
    ("key_petitioner", 2, 2, 15, INFERRED),
    ("key_petitioner", 3, 3, 7, INFERRED),
]


def seed_code_tables(code_table_model, code_value_model) -> int:
    """Create missing tables and values (historical models from migrations work too).
    Returns the number of values created."""
    created = 0
    for code, name, official, source, values in CODE_TABLES:
        table, _new = code_table_model.objects.get_or_create(
            code=code, defaults={"name": name, "official": official, "source": source}
        )
        for sort, (value, label) in enumerate(values, start=1):
            _row, new = code_value_model.objects.get_or_create(
                table=table, code=value, defaults={"label": label, "sort": sort}
            )
            created += int(new)
    return created


def seed_visit_rules(visit_rule_model) -> int:
    """Create the default visit rules where a card kind has no rule at all yet."""
    created = 0
    kinds_with_rules = set(visit_rule_model.objects.values_list("kind", flat=True))
    for kind, low, high, days, note in VISIT_RULES:
        if kind in kinds_with_rules:
            continue
        visit_rule_model.objects.create(
            kind=kind, risk_min=low, risk_max=high, interval_days=days, note=note
        )
        created += 1
    return created
