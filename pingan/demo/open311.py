"""The demo's Open311 client: one key for the demo county, in `$PINGAN_HOME/demo-open311-key.txt`.

A rebuild removes the previous demo client with the demo regions (and first the public
reports that point at demo cases or at it), then issues a fresh key, so re-running
`pingan demo` always leaves exactly one working demo key in the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from pingan.demo.layout import COUNTY, PROVINCE
from pingan.public.models import Open311Client, PublicReport
from pingan.public.open311.services import open311_client_issue
from pingan.regions.models import Region

KEY_FILE = "demo-open311-key.txt"
CLIENT_NAME = "示范第三方系统（Open311）"
DEMO_ROOT = PROVINCE[0]


def reset_demo_public() -> None:
    """Delete public reports on demo cases and the demo Open311 clients (before the demo
    cases and regions they protect are deleted)."""
    PublicReport.objects.filter(case__region_code__startswith=DEMO_ROOT).delete()
    demo_clients = Open311Client.objects.filter(region__code__startswith=DEMO_ROOT)
    PublicReport.objects.filter(client__in=demo_clients).delete()
    demo_clients.delete()


def issue_demo_open311_key(path: Path) -> str:
    """Issue the demo county's client key and write it to `path` (mode 0600, key + newline)."""
    county = Region.objects.get(code=COUNTY[0])
    _client, key = open311_client_issue(
        actor=None, name=CLIENT_NAME, region=county, contact="pingan demo"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(key + "\n")
    return key
