"""`pingan demo` gives every demo staff member a fictitious work mobile for *180."""

import pytest

from pingan.accounts.models import Position, User
from pingan.accounts.roles import Role
from pingan.core.phones import is_mobile, phone_hash
from pingan.demo.accounts import demo_phone
from pingan.demo.builder import build_demo
from pingan.public.hotline.contacts import contacts_for
from pingan.public.hotline.places import place_for_code
from tests.demo.factories import TINY

pytestmark = pytest.mark.django_db


def test_demo_staff_get_distinct_fictitious_199_numbers_and_180_finds_them(tmp_path):
    build_demo(spec=TINY, seed=7, home=tmp_path)
    users = list(User.objects.filter(positions__isnull=False).distinct().order_by("id"))
    phones = [u.phone for u in users]
    assert phones == [demo_phone(i) for i in range(len(users))]
    assert all(is_mobile(p) and p.startswith("1990101") and len(p) == 11 for p in phones)
    assert all(u.phone_hash == phone_hash(u.phone) for u in users)
    worker = Position.objects.filter(role=Role.GRID_WORKER, region__level="grid").first()
    found = contacts_for(place_for_code(worker.region_id))
    assert (found[0].name, found[0].phone) == (
        worker.user.full_name or worker.user.username,
        worker.user.phone,
    )
