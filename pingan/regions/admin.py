"""Django admin for regions, department types and departments (system admins only).

Every change goes through `services`, so the admin leaves the same audit records and obeys
the same rules as any other caller. Polygons are not edited here (they come from
`pingan import-regions`), so regions can only be renamed; nothing is deleted.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pingan.accounts.adminaccess import SystemAdminAccess
from pingan.accounts.scope import actor_for_request
from pingan.regions import services
from pingan.regions.models import DEPARTMENT_LEVELS, Department, DepartmentType, Region

GEOMETRY_PREVIEW_CHARS = 2000


@admin.register(Region)
class RegionAdmin(SystemAdminAccess, admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent_code", "has_geometry", "updated_at")
    list_filter = ("level",)
    # "^code" is a prefix match, served by the primary-key index.
    search_fields = ("^code", "name")
    ordering = ("code",)
    show_full_result_count = False
    list_per_page = 100
    fields = (
        "code",
        "name",
        "level",
        "parent_code",
        "centroid",
        "geometry_summary",
        "geometry_preview",
        "updated_at",
    )
    readonly_fields = (
        "code",
        "level",
        "parent_code",
        "centroid",
        "geometry_summary",
        "geometry_preview",
        "updated_at",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # regions and grids come in through `pingan import-regions`

    @admin.display(description=_("上级"), ordering="parent_id")
    def parent_code(self, obj: Region) -> str:
        return obj.parent_id or "—"

    @admin.display(description=_("边界"), boolean=True)
    def has_geometry(self, obj: Region) -> bool:
        return bool(obj.geometry)

    @admin.display(description=_("中心点 [经度, 纬度]"))
    def centroid(self, obj: Region) -> str:
        if obj.centroid_lng is None:
            return "—"
        return f"[{obj.centroid_lng}, {obj.centroid_lat}]"

    @admin.display(description=_("边界概要"))
    def geometry_summary(self, obj: Region) -> str:
        geometry = obj.geometry
        if not geometry:
            return _("无边界")
        coords = geometry.get("coordinates") or []
        polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
        rings = sum(len(p) for p in polygons)
        vertices = sum(len(r) for p in polygons for r in p)
        return _("%(type)s：%(polygons)d 个多边形，%(rings)d 个环，%(vertices)d 个坐标点") % {
            "type": geometry.get("type"),
            "polygons": len(polygons),
            "rings": rings,
            "vertices": vertices,
        }

    @admin.display(description=_("边界 GeoJSON（预览）"))
    def geometry_preview(self, obj: Region) -> str:
        if not obj.geometry:
            return "—"
        text = json.dumps(obj.geometry, ensure_ascii=False)
        if len(text) > GEOMETRY_PREVIEW_CHARS:
            text = text[:GEOMETRY_PREVIEW_CHARS] + " …"
        return format_html('<pre style="white-space: pre-wrap; max-width: 60em">{}</pre>', text)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The department form's region picker offers only levels a department may sit at.
        if request.GET.get("model_name") == "department" and request.GET.get("field_name"):
            queryset = queryset.filter(level__in=DEPARTMENT_LEVELS)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        services.region_rename(actor=actor_for_request(request), code=obj.code, name=obj.name)


class DepartmentTypeForm(forms.ModelForm):
    class Meta:
        model = DepartmentType
        fields = ("code", "name", "sort", "active")

    def clean(self):
        data = super().clean()
        # On change the code is read-only and absent from the form: check the stored one.
        code = data.get("code") or self.instance.code
        try:
            services.check_department_type(code=code, name=data.get("name") or "")
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(DepartmentType)
class DepartmentTypeAdmin(SystemAdminAccess, admin.ModelAdmin):
    form = DepartmentTypeForm
    list_display = ("code", "name", "sort", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")
    ordering = ("sort", "code")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        services.department_type_save(
            actor=actor_for_request(request),
            code=obj.code,
            name=obj.name,
            sort=obj.sort,
            active=obj.active,
        )


class DepartmentAddForm(forms.ModelForm):
    suffix = forms.RegexField(
        regex=r"^[a-z0-9]*$",
        required=False,
        label=_("编码后缀"),
        help_text=_(
            "可选。同一区划有多个同类部门时用于区分，如 caizheng → 990101-other-caizheng。"
        ),
        error_messages={"invalid": _("后缀只能是小写字母和数字。")},
    )

    class Meta:
        model = Department
        fields = ("region", "type", "suffix", "name", "active")

    def clean(self):
        data = super().clean()
        region, dept_type = data.get("region"), data.get("type")
        if region is None or dept_type is None:
            return data
        code = services.department_code_for(region.code, dept_type.code, data.get("suffix", ""))
        errors = services.validate_department(
            code=code, name=data.get("name", ""), region=region, dept_type=dept_type
        )
        for field, messages in errors.items():
            target = "suffix" if field == "code" else field
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
        self.instance.code = code
        return data


class DepartmentChangeForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ("name", "active")


@admin.register(Department)
class DepartmentAdmin(SystemAdminAccess, admin.ModelAdmin):
    list_display = ("code", "name", "type", "region_code", "active")
    list_filter = ("type", "active")
    search_fields = ("^code", "name")
    list_select_related = ("type",)
    autocomplete_fields = ("region",)
    ordering = ("code",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = DepartmentChangeForm if obj else DepartmentAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj:
            return ("code", "type", "region", "name", "active")
        return ("region", "type", "suffix", "name", "active")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "type", "region") if obj else ()

    @admin.display(description=_("所在区划"), ordering="region_id")
    def region_code(self, obj: Department) -> str:
        return obj.region_id

    def save_model(self, request, obj, form, change):
        actor = actor_for_request(request)
        if change:
            saved = services.department_update(
                actor=actor, department=obj, name=obj.name, active=obj.active
            )
        else:
            data = form.cleaned_data
            saved = services.department_create(
                actor=actor,
                region=data["region"],
                dept_type=data["type"],
                name=data["name"],
                suffix=data.get("suffix", ""),
                active=data.get("active", True),
            )
        obj.pk = saved.pk
