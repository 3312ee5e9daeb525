from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "pingan.public"
    label = "public"
    verbose_name = _("群众诉求与外部接入")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pingan.flow.hooks import register_step_listener
        from pingan.flow.timeline import register_timeline_source
        from pingan.public.notifications import on_case_step
        from pingan.public.open311.comments import comment_entries

        register_step_listener(on_case_step)
        # Citizens' comments from Open311 clients (POST servicerequestupdates) for staff.
        register_timeline_source(comment_entries, case_types=("event",))
