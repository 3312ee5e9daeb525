"""Seed the holiday table with every official schedule the pinned chinesecalendar knows.

Rows come from `pingan.workdays.seed` (plain data from the library, no model code). Years that
already exist are left alone, so re-running after an admin entered a year changes nothing;
`pingan calendar seed` brings chinesecalendar-sourced years up to date after an upgrade.
"""

from django.db import migrations
from django.utils import timezone


def seed_years(apps, schema_editor):
    from pingan.workdays.seed import chinesecalendar_days

    YearSchedule = apps.get_model("workdays", "YearSchedule")
    SpecialDay = apps.get_model("workdays", "SpecialDay")
    existing = set(YearSchedule.objects.values_list("year", flat=True))
    now = timezone.now()
    for year, days in chinesecalendar_days().items():
        if year in existing:
            continue
        YearSchedule.objects.create(
            year=year, status="official", source="chinesecalendar", entered_at=now
        )
        SpecialDay.objects.bulk_create(
            SpecialDay(date=d.date, kind=d.kind, name=d.name, year=year) for d in days
        )


def unseed_years(apps, schema_editor):
    YearSchedule = apps.get_model("workdays", "YearSchedule")
    SpecialDay = apps.get_model("workdays", "SpecialDay")
    years = list(YearSchedule.objects.filter(source="chinesecalendar").values_list("year", flat=True))
    SpecialDay.objects.filter(year__in=years).delete()
    YearSchedule.objects.filter(year__in=years).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_calendar_tables")]

    operations = [migrations.RunPython(seed_years, unseed_years)]
