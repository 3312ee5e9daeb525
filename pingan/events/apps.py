from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "pingan.events"
    label = "events"
    verbose_name = "网格事件与矛盾纠纷"

    def ready(self) -> None:
        # Registers the "event" case type with the flow engine.
        from pingan.events import casetype  # noqa: F401
