"""Public links: every link that leaves the site (QR codes, posters, notifications, calendar and report
links) is built here from one setting, ``FANGKONG_PUBLIC_BASE_URL``.

Pages must not build such links from the request (``build_absolute_uri``): behind a proxy, or when the
operator serves on another port, the request's host is not the address residents can reach.
``fangkong demo --port N`` and ``fangkong serve --port N`` set the setting to ``http://127.0.0.1:N`` unless the
operator set it.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.urls import reverse


def public_base_url() -> str:
    return str(settings.FANGKONG_PUBLIC_BASE_URL).rstrip("/")


def public_url(path_or_urlname: str, *args: Any, **kwargs: Any) -> str:
    """The absolute public address of a path ("/masks/...") or of a URL name reversed with args/kwargs."""
    if path_or_urlname.startswith("/"):
        if args or kwargs:
            raise TypeError("public_url: arguments are only for URL names, not for paths")
        path = path_or_urlname
    else:
        path = reverse(path_or_urlname, args=args or None, kwargs=kwargs or None)
    return public_base_url() + path


def default_public_base_url(host: str, port: int) -> str:
    """What ``demo``/``serve`` use when the operator did not set FANGKONG_PUBLIC_BASE_URL: the address they
    serve on (127.0.0.1 when they listen on every interface)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def set_public_base_url_for(host: str, port: int) -> str:
    """Point public links at the address a command serves on, unless the operator set the setting; the
    environment carries it to child processes (gunicorn). Returns the base in force."""
    if not os.environ.get("FANGKONG_PUBLIC_BASE_URL"):
        base = default_public_base_url(host, port)
        os.environ["FANGKONG_PUBLIC_BASE_URL"] = base
        settings.FANGKONG_PUBLIC_BASE_URL = base
    return public_base_url()
