"""Account invariants that hold whichever way a position is created (service, admin form).

三员分立 (separation of the three administrators): the system, security and audit admin roles
must be held by three different people, so one user may hold at most one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pingan.accounts.roles import ADMIN_ROLES, Role

if TYPE_CHECKING:
    from pingan.accounts.models import User


def check_separation_of_duties(
    user: User, role: str, exclude_position_id: int | None = None
) -> None:
    """Raise ValidationError when giving `role` to `user` would join two admin roles.

    Only active positions count: a revoked auditor position does not block making the
    person a system admin later. `exclude_position_id` skips the position being edited.
    """
    if role not in ADMIN_ROLES:
        return
    held = user.positions.filter(active=True, role__in=ADMIN_ROLES).exclude(role=role)
    if exclude_position_id is not None:
        held = held.exclude(pk=exclude_position_id)
    other = held.values_list("role", flat=True).first()
    if other is not None:
        raise ValidationError(
            {
                "role": _("三员分立：同一人不能同时担任%(held)s和%(wanted)s。")
                % {"held": Role(other).label, "wanted": Role(role).label},
            },
            code="separation_of_duties",
        )
