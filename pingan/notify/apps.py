from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "pingan.notify"
    label = "notify"
    verbose_name = _("消息通知")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pingan.flow.hooks import register_alert_listener, register_step_listener
        from pingan.notify.tasks import on_case_step, on_clock_alerts

        register_step_listener(on_case_step)
        register_alert_listener(on_clock_alerts)
