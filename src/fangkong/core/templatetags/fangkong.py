from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def attr(obj: Any, name: str) -> Any:
    """Look up an attribute path like 'household.building' on an object; '' when missing."""
    value = obj
    for part in name.split("."):
        if value is None:
            return ""
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part, "")
    if isinstance(value, bool):
        return "✓" if value else ""
    return "" if value is None else value


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.simple_tag
def public_url(path_or_urlname: str, *args: Any) -> str:
    """``{% public_url 'app:name' arg %}``: the absolute public address (``fangkong.core.links.public_url``)."""
    from fangkong.core.links import public_url as build

    return build(path_or_urlname, *args)
