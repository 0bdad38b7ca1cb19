"""The pairing app's access predicates for templates, so a page offers a control only when its view accepts it.

``{% load pairing_access %}`` then ``{% if task|task_editable_by:request.user %}``.
"""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.pairing import access

register = template.Library()


@register.filter
def task_editable_by(task: Any, user: Any) -> bool:
    return access.may_set_task_status(user, task)


@register.filter
def solver_label(obj: Any) -> str:
    """A proposal's or roster's solver status in words (最优 / 可行（差距 x%） / ...)."""
    from fangkong.pairing.choices import solver_label as label

    return label(getattr(obj, "solver_status", "") or "", getattr(obj, "gap", None))
