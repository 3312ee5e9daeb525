"""Attachments on cases, the link of a merged duplicate, and disputes (矛盾纠纷).

Kept apart from `models.py` (the event detail) so each module stays small; `models.py`
imports these so Django registers them under the `events` app.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField


def attachment_path(instance: Attachment, filename: str) -> str:
    """attachments/<yyyy>/<mm>/<random>.<ext>: the client's name never reaches the disk."""
    now = timezone.localtime(instance.created_at or timezone.now())
    ext = ATTACHMENT_EXTENSIONS.get(instance.content_type, "bin")
    return f"attachments/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{ext}"


ATTACHMENT_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


class Attachment(models.Model):
    """A photo or document on a case (event report photos, mediation records…)."""

    case = models.ForeignKey(
        "flow.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="attachments"
    )
    # Empty for a citizen's photo sent with a public report (the portal has no account).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.original_name}"


class CaseMerge(models.Model):
    """A duplicate event merged into a parent case.

    The child is closed; its reporter is followed through the parent (the parent's public
    status is shown for the child). `reporter_notified_at` stays empty until a notification
    app tells the child's reporter about the merge.
    """

    child = models.OneToOneField(
        "flow.Case",
        verbose_name=_("重复案件"),
        on_delete=models.PROTECT,
        related_name="merged_into",
    )
    parent = models.ForeignKey(
        "flow.Case",
        verbose_name=_("主案件"),
        on_delete=models.PROTECT,
        related_name="merged_children",
    )
    child_reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("重复案件上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("合并人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_code = models.CharField(_("合并单位"), max_length=40)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("合并时间"))
    reporter_notified_at = models.DateTimeField(_("已告知上报人"), null=True, blank=True)

    class Meta:
        verbose_name = _("重复案件合并")
        verbose_name_plural = _("重复案件合并")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.child_id} → {self.parent_id}"


class DisputeCategory(models.Model):
    """矛盾纠纷类别: the 19-item national 综治 list (REFERENCE §1.7), editable data."""

    code = models.CharField(_("编码"), max_length=20, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("矛盾纠纷类别")
        verbose_name_plural = _("矛盾纠纷类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DisputeScale(models.TextChoices):
    ORDINARY = "ordinary", _("一般")
    LARGE = "large", _("较大")
    MAJOR = "major", _("重大")


class DisputeDetail(models.Model):
    """The dispute-specific part of a case (one row per `flow.Case` of type "dispute")."""

    case = models.OneToOneField(
        "flow.Case", primary_key=True, on_delete=models.CASCADE, related_name="dispute"
    )
    category = models.ForeignKey(DisputeCategory, verbose_name=_("类别"), on_delete=models.PROTECT)
    scale = models.CharField(_("规模"), max_length=12, choices=DisputeScale.choices)
    summary = models.TextField(_("矛盾纠纷简述"))
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    address = models.CharField(_("发生地点"), max_length=200, blank=True)
    lng = models.FloatField(_("经度 (WGS84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 (WGS84)"), null=True, blank=True)
    region_code = models.CharField(_("所属区划"), max_length=18, db_index=True)
    grid_code = models.CharField(_("所在网格"), max_length=18, blank=True)
    parties_count = models.PositiveIntegerField(_("当事人数量"))
    people_involved = models.PositiveIntegerField(_("涉及人数"))
    amount_involved = models.DecimalField(
        _("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")

    def __str__(self) -> str:
        return f"{self.case_id} {self.category_id}"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class DisputeParty(models.Model):
    """当事人. Phone and ID number are stored encrypted; the ID number has a blind index."""

    case = models.ForeignKey(
        "flow.Case",
        verbose_name=_("案件"),
        on_delete=models.CASCADE,
        related_name="dispute_parties",
    )
    name = models.CharField(_("姓名"), max_length=100)
    role = models.CharField(_("身份"), max_length=12, choices=PartyRole.choices)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    id_number = EncryptedTextField(_("公民身份号码"), blank=True)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_role_display()}"


class MediationMethod(models.TextChoices):
    PEOPLE = "people", _("人民调解")
    ADMINISTRATIVE = "administrative", _("行政调解")
    JUDICIAL = "judicial", _("司法调解")
    OTHER = "other", _("其他")


class MediationResult(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    PARTIAL = "partial", _("部分")


class MediationAttempt(models.Model):
    """One 化解/调解 attempt on a dispute."""

    case = models.ForeignKey(
        "flow.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="mediations"
    )
    mediated_on = models.DateField(_("调解日期"))
    method = models.CharField(_("调解方式"), max_length=16, choices=MediationMethod.choices)
    organisation = models.CharField(_("调解组织"), max_length=100)
    mediator = models.CharField(_("调解员"), max_length=50)
    result = models.CharField(_("调解结果"), max_length=12, choices=MediationResult.choices)
    notes = models.TextField(_("调解情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["case_id", "mediated_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.mediated_on} {self.get_result_display()}"


class MediationAgreement(models.Model):
    """调解协议. Parties may apply for 司法确认 within 30 days (人民调解法 art. 33)."""

    case = models.OneToOneField(
        "flow.Case", primary_key=True, on_delete=models.CASCADE, related_name="agreement"
    )
    agreed_on = models.DateField(_("协议日期"))
    content = models.TextField(_("协议内容摘要"))
    judicial_confirmation_deadline = models.DateField(_("司法确认申请截止日"))
    confirmed = models.BooleanField(_("已司法确认"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self) -> str:
        return f"{self.case_id} {self.agreed_on}"


class AgreementReminder(models.Model):
    """The reminder 7 days before the 司法确认 window ends: at most one per agreement."""

    agreement = models.OneToOneField(
        MediationAgreement, on_delete=models.CASCADE, related_name="reminder"
    )
    holder_code = models.CharField(max_length=40)
    deadline = models.DateField(_("司法确认申请截止日"))
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("司法确认提醒")
        verbose_name_plural = _("司法确认提醒")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.deadline}"
