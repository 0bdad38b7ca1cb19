"""Views that receive ID numbers or phones mark them sensitive: error pages and error reports show stars."""

import pytest
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

pytestmark = pytest.mark.django_db

ID = "110105194912310029"


def _hidden(response):
    request = response.wsgi_request
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    return shown.get("id_number") != ID and shown.get("phone") != "13812345678"


def test_public_pages_hide_personal_posts(world, client):
    from fangkong.returnees.services import ensure_venue

    venue = ensure_venue(actor=world.hq, organization=world.org_b)
    post = {"name": "张三", "id_number": ID, "phone": "13812345678", "temperature": "36.5"}
    urls = [
        reverse("returnees:public_declare", args=[world.sub.pk]),
        reverse("returnees:checkin", args=[venue.code]),
        reverse("masks:voucher", args=["VNOTEXIST"]),
    ]
    for url in urls:
        response = client.post(url, post)
        assert response.status_code < 500 and _hidden(response), url


def test_registry_forms_hide_personal_posts(world, as_persona):
    client = as_persona("staff_a")
    for name in ("registry:residents_add", "registry:organizations_add"):
        response = client.post(reverse(name), {"name": "张三", "id_number": ID, "phone": "13812345678"})
        assert response.status_code < 500 and _hidden(response), name


def test_access_logs_drop_query_strings():
    import logging

    from fangkong.core.management.commands.serve import gunicorn_argv
    from fangkong.core.privacy import DropQueryString

    argv = gunicorn_argv(host="127.0.0.1", port=8000, workers=1, threads=1)
    fmt = argv[argv.index("--access-logformat") + 1]
    assert "%(U)s" in fmt and "%(r)s" not in fmt and "%(q)s" not in fmt
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        (f"GET /registry/residents/?q={ID} HTTP/1.1", 200, 5),
        None,
    )
    assert DropQueryString().filter(record)
    assert ID not in record.getMessage() and "/registry/residents/ HTTP/1.1" in record.getMessage()
    handlers = logging.getLogger("django.server").handlers
    assert any(any(isinstance(f, DropQueryString) for f in h.filters) for h in handlers)
