from django.apps import AppConfig


class FlowConfig(AppConfig):
    name = "pingan.flow"
    label = "flow"
    verbose_name = "案件流转"

    def ready(self) -> None:
        from pingan.flow.deadlines import recompute_provisional_clocks
        from pingan.workdays.recompute import register_deadline_recomputer

        # When a year's holiday schedule is entered, provisional deadlines become final.
        register_deadline_recomputer(recompute_provisional_clocks)
