from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "pingan.events"
    label = "events"
    verbose_name = "网格事件与矛盾纠纷"

    def ready(self) -> None:
        # Registers the "event" case type with the flow engine.
        # Registers the "dispute" case type (矛盾纠纷, same loop plus mediation).
        from pingan.events import (
            casetype,  # noqa: F401
            dispute_casetype,  # noqa: F401
            timeline,
        )

        # Labels and summaries of mediation, agreement and merge rows in the case timeline.
        timeline.register()
