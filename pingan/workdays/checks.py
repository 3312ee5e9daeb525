"""System checks: a bad PINGAN_OFFICE_HOURS must stop start-up, not every deadline later."""

from django.conf import settings
from django.core.checks import Error, register

from pingan.workdays.hours import OfficeHoursError, parse_office_hours


@register()
def check_office_hours(app_configs, **kwargs):
    try:
        parse_office_hours(settings.PINGAN_OFFICE_HOURS)
    except OfficeHoursError as exc:
        return [Error(str(exc), hint="例如 09:00-12:00,13:30-17:30", id="workdays.E001")]
    return []
