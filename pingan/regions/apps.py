from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "pingan.regions"
    label = "regions"
    verbose_name = "行政区划与网格"
