"""Seed the registry code tables (REFERENCE §1.9) and the default visit rules (§5.4).

Additive: tables, values and rules that already exist are left as administrators set them.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from pingan.registry.seed import seed_code_tables, seed_visit_rules

    seed_code_tables(apps.get_model("registry", "CodeTable"), apps.get_model("registry", "CodeValue"))
    seed_visit_rules(apps.get_model("registry", "VisitRule"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_registry_tables")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
