from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "pingan.mobile"
    label = "mobile"
    verbose_name = "网格员移动端"
