from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "pingan.workdays"
    label = "workdays"
    verbose_name = "工作日历"

    def ready(self) -> None:
        from pingan.workdays import checks, tasks  # noqa: F401  (register checks and tasks)
