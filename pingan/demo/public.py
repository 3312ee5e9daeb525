"""The demo's citizen side: the events the simulator marks as reported by citizens, SMS or the
hotline get the `PublicReport` a real intake would have written (a demo phone and a query
code), so the portal, Open311 GET, SMS/voice queries and the callback queue have data.

A few numbers with their query codes go to `$PINGAN_HOME/demo-public-cases.json` for trying
the portal (`/portal/track/`) and the voice and SMS queries.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from django.utils import timezone

from pingan.core.phones import phone_hash
from pingan.demo.layout import COUNTY
from pingan.events.models import EventDetail, ReporterKind
from pingan.public.codes import query_code_hash
from pingan.public.models import PublicChannel, PublicReport

CASES_FILE = "demo-public-cases.json"
CHANNEL_BY_KIND = {
    ReporterKind.CITIZEN: PublicChannel.PORTAL,
    ReporterKind.SMS: PublicChannel.SMS,
    ReporterKind.HOTLINE: PublicChannel.HOTLINE,
}
SAMPLES = 10
BATCH = 1000


def build_demo_public_reports(*, seed: int, home: Path) -> int:
    """Write the public reports of the demo's citizen events; returns how many."""
    rng = random.Random(seed * 7919 + 311)  # noqa: S311 (demo data, reproducible by seed)
    details = (
        EventDetail.objects.filter(
            case__region_code__startswith=COUNTY[0], reporter_kind__in=list(CHANNEL_BY_KIND)
        )
        .select_related("case")
        .order_by("case__number")
    )
    now, rows, samples = timezone.now(), [], []
    for index, detail in enumerate(details):
        case = detail.case
        code = f"{rng.randrange(10**6):06d}"
        # 1990200xxxx: demo-only numbers (docs/user/demo.md); SMS stays on the console backend.
        phone = f"1990200{index % 10000:04d}"
        rows.append(
            PublicReport(
                case=case,
                channel=CHANNEL_BY_KIND[detail.reporter_kind],
                query_code_hash=query_code_hash(case.number, code),
                phone=phone,
                phone_hash=phone_hash(phone),
                wants_updates=True,
                created_at=case.created_at or now,
            )
        )
        if len(samples) < SAMPLES and index % 97 == 0:
            samples.append({"number": case.number, "code": code, "state": case.state})
    PublicReport.objects.bulk_create(rows, batch_size=BATCH)
    _write_samples(home / CASES_FILE, samples)
    return len(rows)


def _write_samples(path: Path, samples: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(samples, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
