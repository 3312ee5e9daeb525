"""Seed the 19 national dispute categories (REFERENCE §1.7) and matter limits for disputes.

Limits are defaults for a county to adjust in the admin: mediation gets more time than an
ordinary event (人民调解 usually within a month), shorter as the scale grows. Rows that
already exist are left alone.
"""

from django.db import migrations

CATEGORIES = [
    "民族宗教矛盾纠纷",
    "军转干部、复员退伍军人安置引发的矛盾纠纷",
    "征地拆迁安置引发的矛盾纠纷",
    "建筑工程质量、物业管理等问题引发的矛盾纠纷",
    "土地矿产山林水利界线权属纠纷",
    "经济活动引发的矛盾纠纷",
    "劳资纠纷",
    "企业改制引发的矛盾纠纷",
    "环境污染、生态破坏引发的矛盾纠纷",
    "司法活动引发的矛盾纠纷",
    "行政执法活动引发的矛盾纠纷",
    "大中专院校、中小学校引发的矛盾纠纷",
    "海事渔事纠纷",
    "干部作风等问题引发的矛盾纠纷",
    "村(社区、居)务管理引发的矛盾纠纷",
    "农村土地承包、农村集体“三资”及农民负担等问题引发的矛盾纠纷",
    "婚姻家庭邻里等各类民间纠纷",
    "医患纠纷",
    "其他",
]

H, WD, ND = "hours", "working_days", "natural_days"
# urgency (from scale) -> (accept, handle, verify)
LIMITS = {
    "low": (("1", WD), ("30", ND), ("2", WD)),
    "medium": (("4", H), ("15", ND), ("1", WD)),
    "high": (("1", H), ("7", ND), ("1", WD)),
}
NOTE = "矛盾纠纷默认值，可按本地规定调整"


def seed(apps, schema_editor):
    Category = apps.get_model("events", "DisputeCategory")
    MatterLimit = apps.get_model("flow", "MatterLimit")
    for index, name in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=f"{index:02d}", defaults={"name": name, "sort": index}
        )
    for urgency, ((aa, au), (ha, hu), (va, vu)) in LIMITS.items():
        MatterLimit.objects.get_or_create(
            case_type="dispute",
            category_code="",
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
        ("events", "0003_attachments_merges_disputes"),
        ("flow", "0001_case_engine"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
