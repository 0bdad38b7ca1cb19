import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
application = get_wsgi_application()


def _check_keys() -> None:
    # Refuse to serve personal data this installation has no key for (core.keycheck).
    from django.db import connections

    from fangkong.core.keycheck import check_at_startup

    try:
        check_at_startup()
    finally:
        connections.close_all()


_check_keys()
