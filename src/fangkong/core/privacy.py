"""Personal fields in form posts: views that receive ID numbers or phones mark them sensitive, so Django's
error pages and error reports show them as stars, in debug mode too."""

from __future__ import annotations

from django.views.decorators.debug import sensitive_post_parameters

PERSONAL_POST_FIELDS = ("id_number", "phone", "contact_phone", "password")

personal_post = sensitive_post_parameters(*PERSONAL_POST_FIELDS)
"""View decorator: ``@personal_post`` on every view whose POST carries an ID number or a phone."""
