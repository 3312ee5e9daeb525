from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pingan.web"
    label = "web"
    verbose_name = "页面"
