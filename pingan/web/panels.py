"""The role-specific panel at the top of the home page: what this position is for."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor


@dataclass(frozen=True)
class PanelLink:
    label: str
    url: str


@dataclass(frozen=True)
class RolePanel:
    title: str
    text: str
    links: list[PanelLink] = field(default_factory=list)
    read_only: bool = False


_PANELS = {
    Role.GRID_WORKER: (
        _("我的网格"),
        _("下方地图显示您负责的网格边界；到网格内走访、上报事件时以此为准。"),
    ),
    Role.VILLAGE_STAFF: (
        _("本村/社区网格"),
        _("下表列出本村/社区划分的网格，地图显示各网格的边界。"),
    ),
    Role.TOWN_OPERATOR: (
        _("本镇村/社区"),
        _("下表列出本乡镇（街道）的村/社区及各自的网格数，点击名称查看下一级。"),
    ),
    Role.COUNTY_OPERATOR: (
        _("全县乡镇"),
        _("下表列出全县乡镇（街道）及各自的网格数，点击名称逐级查看。"),
    ),
    Role.COUNTY_COMMANDER: (
        _("全县乡镇"),
        _("下表列出全县乡镇（街道）及各自的网格数，点击名称逐级查看。"),
    ),
    Role.DEPARTMENT_HANDLER: (
        _("本部门"),
        _(
            "您以职能部门身份办理交办给本部门的事项；业务数据以本部门承办的事项和数据闸门为限。"
            "下方是本部门所在区划的下级区划和网格。"
        ),
    ),
    Role.LEADER: (
        _("辖区概况"),
        _("领导岗位为只读：可以查看辖区内各级的数据和统计，不能办理、修改或删除。"),
    ),
    Role.AUDITOR: (
        _("安全审计"),
        _("审计管理员查看和核验审计日志：登录、授权拒绝、数据修改、敏感信息查看和导出都有记录。"),
    ),
    Role.SECURITY_ADMIN: (
        _("安全管理"),
        _("安全管理员负责登录安全：解除账号和地址的登录锁定，为丢失验证器的用户重置两步验证。"),
    ),
    Role.SYSTEM_ADMIN: (
        _("系统管理"),
        _("系统管理员维护用户和岗位、区划网格、职能部门、代码表和工作日历。"),
    ),
}


def role_panel(actor: Actor) -> RolePanel | None:
    """The panel for the actor's role, with links to the screens that role works in."""
    role = actor.role
    if role is None:
        return None
    title, text = _PANELS.get(role, (actor.position.get_role_display(), ""))
    links: list[PanelLink] = []
    if role == Role.AUDITOR:
        links.append(PanelLink(_("审计日志"), "/audit/"))
    if role == Role.SYSTEM_ADMIN:
        links.append(PanelLink(_("管理后台"), "/admin/"))
        links.append(PanelLink(_("工作日历"), "/calendar/"))
    if role == Role.SECURITY_ADMIN:
        links.append(PanelLink(_("安全管理"), "/accounts/security/"))
    return RolePanel(title=title, text=text, links=links, read_only=actor.is_read_only)
