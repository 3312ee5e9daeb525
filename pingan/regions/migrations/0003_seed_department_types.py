"""Seed the department-type code table (DESIGN §4.1). Admins may add more (the "X" of 9+X)."""

from django.db import migrations

DEPARTMENT_TYPES = [
    ("gongan", "公安"),
    ("jiancha", "检察"),
    ("fayuan", "法院"),
    ("sifa", "司法"),
    ("minzheng", "民政"),
    ("renshe", "人社"),
    ("weijian", "卫健"),
    ("yingji", "应急"),
    ("shichang", "市场监管"),
    ("zhujian", "住建"),
    ("chengguan", "城管"),
    ("xinfang", "信访"),
    ("jiaoyu", "教育"),
    ("ziranziyuan", "自然资源"),
    ("shengtai", "生态环境"),
    ("nongye", "农业农村"),
    ("other", "其他"),
]


def seed(apps, schema_editor):
    DepartmentType = apps.get_model("regions", "DepartmentType")
    for sort, (code, name) in enumerate(DEPARTMENT_TYPES, start=1):
        # Existing rows (edited by admins) keep their names; only missing codes are added.
        DepartmentType.objects.get_or_create(
            code=code, defaults={"name": name, "sort": sort * 10, "active": True}
        )


def unseed(apps, schema_editor):
    DepartmentType = apps.get_model("regions", "DepartmentType")
    Department = apps.get_model("regions", "Department")
    in_use = set(Department.objects.values_list("type_id", flat=True))
    codes = [code for code, _name in DEPARTMENT_TYPES if code not in in_use]
    DepartmentType.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0002_grid_index_version"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
