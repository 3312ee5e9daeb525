"""Template tags for pages rendered without a request (error pages)."""

from django import template

from pingan.web.context import site_name as _site_name

register = template.Library()


@register.simple_tag
def site_name() -> str:
    """The configured site name (translated when it is the product default)."""
    return str(_site_name())
