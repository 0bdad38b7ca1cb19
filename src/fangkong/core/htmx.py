from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True when the request came from htmx and wants a partial, not a whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def pick_template(request: HttpRequest, full: str, partial: str) -> str:
    return partial if is_htmx(request) else full
