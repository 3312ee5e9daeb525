"""The card kinds, their typed fields and the code values, for clients building forms."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from pingan.accounts.scope import ActorRequired
from pingan.registry.api.common import TAG
from pingan.registry.codes import code_labels
from pingan.registry.kinds import SPECS, code_tables_used


@extend_schema(tags=[TAG], summary="人员类型与字段定义", responses={200: OpenApiTypes.OBJECT})
class KindsView(APIView):
    permission_classes = [ActorRequired]

    def get(self, request):
        labels = code_labels(
            code_tables_used() | {"attention", "ethnicity", "visit_method"}, active_only=True
        )
        kinds = [
            {
                "kind": spec.kind,
                "label": spec.label,
                "group": spec.group,
                "sensitive": spec.sensitive,
                "risk_label": spec.risk_label,
                "risk_levels": [
                    {"value": k, "label": v} for k, v in (spec.risk_levels or {}).items()
                ],
                "fields": [
                    {
                        "name": f.name,
                        "label": f.label,
                        "type": f.type,
                        "code_table": f.code_table,
                        "required": f.required,
                        "masked": bool(f.mask),
                        "summary": f.summary,
                    }
                    for f in spec.fields
                ],
            }
            for spec in SPECS.values()
        ]
        codes = {
            table: [{"code": c, "label": label} for c, label in values.items()]
            for table, values in sorted(labels.items())
        }
        return Response({"kinds": kinds, "codes": codes})
