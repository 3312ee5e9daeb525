"""Seed the event categories (REFERENCE §1.8) and the matter catalogue rows for events.

Non-official lists from real 综治 systems (Tianque 对接事件类型, 矛盾劝解, 治安隐患); admins
extend or disable them in the admin. Rows that already exist are left alone.
"""

from django.db import migrations

TOP = [
    ("01", "民生服务"),
    ("02", "矛盾劝解"),
    ("03", "参与治安防控"),
    ("04", "参与特殊人群服务管理"),
    ("05", "社情民意收集"),
    ("06", "政策法规宣传"),
    ("07", "突发事件报告"),
    ("08", "其它"),
]
SUB = {
    "01": ["教育", "社保", "就业", "医疗", "住房", "交通", "证件办理", "企业", "资质", "经营纳税",
           "婚育收养", "公共事业"],
    "02": ["信访问题处理", "不稳定因素报告", "婚姻家庭", "邻里纠纷", "环境生态", "建筑工程", "物业管理",
           "企业改制", "司法活动", "干部作风", "劳资纠纷", "征地拆迁", "军人安置", "房屋和宅基地",
           "农村“三资”", "农民负担", "院校问题", "民族宗教", "经济活动", "山林土地", "医患纠纷",
           "村(社区)务管理", "行政执法活动", "海事渔事", "交通及生产安全", "计划生育", "合同履行",
           "其他"],
    "03": ["抢劫", "抢夺", "盗窃", "赌博", "卖淫嫖娼", "毒品", "黑恶势力", "消防安全", "安全生产",
           "食品卫生", "环境污染", "公共安全", "其他"],
}

H, WD = "hours", "working_days"
# urgency -> (accept, handle, verify) as (amount, unit)
BASE = {
    "low": (("1", WD), ("5", WD), ("2", WD)),
    "medium": (("4", H), ("3", WD), ("1", WD)),
    "high": (("1", H), ("24", H), ("4", H)),
}
OVERRIDES = {
    # Mediation takes longer (凤县网格办: 重点难点 7 日).
    ("02", "low"): (("1", WD), ("7", WD), ("2", WD)),
    ("07", "low"): (("2", H), ("2", WD), ("1", WD)),
    ("07", "medium"): (("1", H), ("24", H), ("8", H)),
    ("07", "high"): (("0.5", H), ("4", H), ("2", H)),
}
NOTE = "默认值，可按本地派单目录调整"


def seed(apps, schema_editor):
    Category = apps.get_model("events", "EventCategory")
    MatterLimit = apps.get_model("flow", "MatterLimit")
    for sort, (code, name) in enumerate(TOP, start=1):
        parent, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "sort": sort * 100})
        for index, sub in enumerate(SUB.get(code, []), start=1):
            Category.objects.get_or_create(
                code=f"{code}{index:02d}",
                defaults={"name": sub, "parent": parent, "sort": sort * 100 + index},
            )
    rows = [("", urgency, limits) for urgency, limits in BASE.items()]
    for code, _ in TOP:
        for urgency, limits in BASE.items():
            rows.append((code, urgency, OVERRIDES.get((code, urgency), limits)))
    for code, urgency, ((aa, au), (ha, hu), (va, vu)) in rows:
        MatterLimit.objects.get_or_create(
            case_type="event",
            category_code=code,
            urgency=urgency,
            defaults={
                "accept_amount": aa, "accept_unit": au,
                "handle_amount": ha, "handle_unit": hu,
                "verify_amount": va, "verify_unit": vu,
                "note": NOTE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_event_detail"),
        ("flow", "0001_case_engine"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
