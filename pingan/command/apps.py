from django.apps import AppConfig


class CommandConfig(AppConfig):
    """综治中心 command-centre pages: inbox, case detail, map, supervision board."""

    name = "pingan.command"
    label = "command"
    verbose_name = "指挥中心"
