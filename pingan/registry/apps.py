from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "pingan.registry"
    label = "registry"
    verbose_name = "基础信息 (人、房、组织、场所)"

    def ready(self) -> None:
        from pingan.registry.gates import refine_gates

        refine_gates()
        # Registers the "person_move" case type (人员迁移交接) with the flow engine.
        from pingan.registry.moves import casetype  # noqa: F401
