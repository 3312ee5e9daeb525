from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "pingan.registry"
    label = "registry"
    verbose_name = "基础信息 (人、房、组织、场所)"

    def ready(self) -> None:
        from pingan.registry.gates import refine_gates

        refine_gates()
