"""Case numbers: type prefix + county code + local date + 5-digit sequence.

E.g. `SJ99010120261102` + `00042`. The sequence comes from one counter row per
(prefix, county, date), locked with SELECT … FOR UPDATE inside the caller's transaction, so
concurrent reports never share a number and numbers have no gaps unless a transaction
rolls back.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pingan.flow.models import CaseNumberCounter


def next_case_number(prefix: str, county_code: str, now: dt.datetime) -> str:
    """Allocate the next number; must run inside the transaction that creates the case."""
    day = timezone.localdate(now)
    key = {"prefix": prefix, "county_code": county_code, "day": day}
    counter = CaseNumberCounter.objects.select_for_update().filter(**key).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = CaseNumberCounter.objects.create(**key, last=0)
        except IntegrityError:
            # Another transaction created today's row first; lock and use it.
            counter = CaseNumberCounter.objects.select_for_update().get(**key)
    CaseNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    if counter.last > 99999:
        raise OverflowError(f"case sequence exhausted for {prefix}{county_code}{day:%Y%m%d}")
    return f"{prefix}{county_code}{day:%Y%m%d}{counter.last:05d}"
