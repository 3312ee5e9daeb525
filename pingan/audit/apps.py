from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pingan.audit"
    label = "audit"
    verbose_name = "审计"
