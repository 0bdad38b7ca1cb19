"""Personal fields in form posts: views that receive ID numbers or phones mark them sensitive, so Django's
error pages and error reports show them as stars, in debug mode too."""

from __future__ import annotations

import logging

from django.views.decorators.debug import sensitive_post_parameters

PERSONAL_POST_FIELDS = ("id_number", "phone", "contact_phone", "password")

personal_post = sensitive_post_parameters(*PERSONAL_POST_FIELDS)
"""View decorator: ``@personal_post`` on every view whose POST carries an ID number or a phone."""


# gunicorn's access log line without query strings (searches may carry ID numbers or phones): %(U)s is the
# path alone, where the default %(r)s is the whole request line.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'


class DropQueryString(logging.Filter):
    """A logging filter for Django's development server log ("GET /path?q=... HTTP/1.1" 200 123): the query
    string is dropped from the request line, so searches never reach the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str) and "?" in args[0]:
            line = args[0]
            head, _sep, rest = line.partition("?")
            protocol = rest.rsplit(" ", 1)[1] if " " in rest else ""
            record.args = (f"{head} {protocol}".rstrip(), *args[1:])
        return True
