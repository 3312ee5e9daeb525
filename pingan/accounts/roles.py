"""Role codes (DESIGN §4.2). Later modules may add roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    VILLAGE_STAFF = "village_staff", _("村/社区工作人员")
    TOWN_OPERATOR = "town_operator", _("乡镇综治中心操作员")
    COUNTY_OPERATOR = "county_operator", _("县综治中心操作员")
    COUNTY_COMMANDER = "county_commander", _("县综治中心指挥长")
    DEPARTMENT_HANDLER = "department_handler", _("职能部门办理人")
    LEADER = "leader", _("领导 (只读)")
    AUDITOR = "auditor", _("审计管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


# 三员分立: the three admin roles must be held by different people.
ADMIN_ROLES = frozenset({Role.AUDITOR, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN})
# Roles that must enrol TOTP before they can use the system.
TOTP_REQUIRED_ROLES = ADMIN_ROLES | {Role.LEADER}
READ_ONLY_ROLES = frozenset({Role.LEADER, Role.AUDITOR})
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_HANDLER})
