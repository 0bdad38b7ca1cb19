"""One rate limiter for every public endpoint: fixed windows counted in the database, configured per endpoint.

Each endpoint has a name ("masks.book", "returnees.declare", ...), a window in seconds, a limit of hits per
client address and a limit per key (what the request is about: an ID number, a username, a report link),
each counted separately. The defaults are in ``ENDPOINTS``; the environment overrides them per endpoint::

    FANGKONG_RATE_MASKS_BOOK=ip=30,key=10,window=60    # a limit of 0 turns that count off
    FANGKONG_RATE_RETURNEES_VENUE=off                  # no limit at all for this endpoint

Use the view decorator, or the function where the key comes out of the form::

    @ratelimit.limit("returnees.declare", methods=("POST",))
    def public_declare(request, ...): ...

    @ratelimit.limit("returnees.venue", methods=("POST",), key=ratelimit.field("phone"))
    def public_checkin(request, code): ...

    ratelimit.hit(request, "accounts.login", key=username)   # raises ratelimit.RateLimited

A request over a limit is answered 429 with a Chinese message and Retry-After: by the decorator, by the
middleware (for RateLimited raised anywhere in a page), and by the API's exception handler. Keys are stored
as a keyed hash, never as the ID number, username or link itself.

The counters live in ``core.RateCounter`` (an UNLOGGED table on PostgreSQL); the public booking statement
on PostgreSQL counts its hits in the same table inside its one statement (see masks.services).
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

_OFTEN = gettext_lazy("您的操作过于频繁，请 %(s)d 秒后再试。")
_OFTEN_ID = gettext_lazy("该证件号码提交过于频繁，请 %(s)d 秒后再试。")


@dataclass(frozen=True)
class Limit:
    """The rate limit of one endpoint: ``per_ip`` and ``per_key`` hits per ``window`` seconds (0 = no limit)."""

    name: str
    window: int
    per_ip: int
    per_key: int
    key_message: Any = _OFTEN


# The defaults; FANGKONG_RATE_<NAME> (dots as underscores, upper case) overrides each.
ENDPOINTS: dict[str, Limit] = {
    "masks.book": Limit("masks.book", 60, 30, 10, _OFTEN_ID),
    "masks.lookup": Limit("masks.lookup", 60, 30, 10, _OFTEN_ID),
    "masks.voucher": Limit("masks.voucher", 60, 30, 10),
    "returnees.declare": Limit("returnees.declare", 60, 20, 5, _OFTEN_ID),
    "returnees.report": Limit("returnees.report", 60, 30, 20),
    "returnees.venue": Limit("returnees.venue", 60, 60, 10),
    "tickets.report": Limit("tickets.report", 60, 20, 5),
    "inspections.apply": Limit("inspections.apply", 60, 20, 5),
    "care.volunteer": Limit("care.volunteer", 60, 20, 5),
    "care.briefing": Limit("care.briefing", 60, 120, 5),
    # sign-in: per address here; failures per username and address are core.auth's lockout
    "accounts.login": Limit("accounts.login", 60, 60, 0),
}


class RateLimited(Exception):
    """Too many requests from one client, or for one key, in the current window."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def env_name(name: str) -> str:
    return "FANGKONG_RATE_" + name.upper().replace(".", "_")


def limit_for(name: str) -> Limit:
    """The limit of an endpoint, with the environment's override (read on each call; parsed once)."""
    if name not in ENDPOINTS:
        raise KeyError(f"unknown rate-limit endpoint {name!r}; add it to core.ratelimit.ENDPOINTS")
    return _parse(name, os.environ.get(env_name(name)))


@functools.lru_cache(maxsize=64)
def _parse(name: str, raw: str | None) -> Limit:
    base = ENDPOINTS[name]
    if raw is None or not raw.strip():
        return base
    if raw.strip().lower() in ("off", "0", "none"):
        return Limit(name, base.window, 0, 0, base.key_message)
    values = {"window": base.window, "ip": base.per_ip, "key": base.per_key}
    for part in raw.replace(";", ",").split(","):
        field, sep, value = part.partition("=")
        field = field.strip().lower()
        if not part.strip():
            continue
        if not sep or field not in values or not value.strip().isdigit():
            raise ImproperlyConfigured(
                f"{env_name(name)} must look like 'ip=30,key=10,window=60' or 'off', got {raw!r}"
            )
        values[field] = int(value)
    return Limit(name, max(values["window"], 1), values["ip"], values["key"], base.key_message)


def client_ip(meta: Any) -> str:
    """The client address: REMOTE_ADDR, or, when the operator says a reverse proxy is in front
    (FANGKONG_TRUST_PROXY=1), the address that proxy appended to X-Forwarded-For (the last entry: the ones
    before it are whatever the client sent)."""
    if settings.FANGKONG_TRUST_PROXY:
        forwarded = [p.strip() for p in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if p.strip()]
        if forwarded:
            return forwarded[-1][:45]
    return str(meta.get("REMOTE_ADDR", "") or "")[:45]


def digest(value: str) -> str:
    """The stored form of a key: a keyed hash, so the counter table never holds an ID number or a link (case
    and spaces do not make another key)."""
    from fangkong.core import crypto

    return crypto.lookup_hash("rate", "".join(str(value).split()).upper())[:40]


def keys_for(limit: Limit, *, ip: str = "", key: str | None = None) -> list[tuple[str, int]]:
    """The (counter key, limit) pairs one request counts against; counts that are off are left out."""
    out: list[tuple[str, int]] = []
    if ip and limit.per_ip > 0:
        out.append((f"{limit.name}:ip:{ip}"[:80], limit.per_ip))
    if key and limit.per_key > 0:
        out.append((f"{limit.name}:k:{digest(key)}"[:80], limit.per_key))
    return out


def window_start(limit: Limit, now: float) -> int:
    """The current fixed window, as the second it started (what the counter rows store in ``win``)."""
    return int(now // limit.window) * limit.window


def error(limit: Limit, counter_key: str, now: float) -> RateLimited:
    """The answer for a counter over its limit: the message, and the seconds until the window ends."""
    retry = int(limit.window - (now % limit.window)) + 1
    template = _OFTEN if ":ip:" in counter_key else limit.key_message
    return RateLimited(str(template) % {"s": retry}, retry)


def counter_sql(n_keys: int) -> str:
    """The statement that counts one hit for each of ``n_keys`` counter keys in the current window and
    returns (key, hits) of each: parameters (key, window start) per key. PostgreSQL statements that count a
    hit in the same round trip as their write run it as a data-modifying CTE (see ``over_sql``)."""
    from fangkong.core.models import RateCounter

    table = connection.ops.quote_name(RateCounter._meta.db_table)
    values = ", ".join(["(%s, %s, 1)"] * n_keys)
    return (
        f"INSERT INTO {table} (key, win, hits) VALUES {values} "
        f"ON CONFLICT (key) DO UPDATE SET "
        f"hits = CASE WHEN {table}.win = excluded.win THEN {table}.hits + 1 ELSE 1 END, win = excluded.win "
        f"RETURNING key, hits"
    )


def over_sql(n_keys: int, alias: str = "rl") -> str:
    """SQL truth value over the rows of ``counter_sql`` (as ``alias``): a key is over its limit. Parameters:
    ``over_params(keys)``."""
    return " OR ".join([f"({alias}.key = %s AND {alias}.hits > %s)"] * n_keys)


def counter_params(keys: Sequence[tuple[str, int]], win: int) -> list[Any]:
    """The parameters of ``counter_sql`` for (counter key, limit) pairs in window ``win``."""
    params: list[Any] = []
    for counter_key, _limit in keys:
        params += [counter_key, win]
    return params


def over_params(keys: Sequence[tuple[str, int]]) -> list[Any]:
    """The parameters of ``over_sql``."""
    return [x for pair in keys for x in pair]


def over_error(limit: Limit, keys: Sequence[tuple[str, int]], over: str, now: float) -> RateLimited:
    """The answer for the keys a statement found over their limit (space-separated, as ``string_agg`` gives
    them): the first of ``keys`` among them."""
    found = set(over.split(" "))
    return error(limit, next(k for k, _most in keys if k in found), now)


def count(limit: Limit, keys: Sequence[tuple[str, int]], *, now: float | None = None) -> None:
    """Count one hit for each (counter key, limit) in the current window, in one statement; raise RateLimited
    if any is over its limit."""
    if not keys:
        return
    now = time.time() if now is None else now
    with connection.cursor() as cursor:
        cursor.execute(counter_sql(len(keys)), counter_params(keys, window_start(limit, now)))
        counts = dict(cursor.fetchall())
    for counter_key, most in keys:
        if counts.get(counter_key, 0) > most:
            raise error(limit, counter_key, now)


def check(name: str, *, ip: str = "", key: str | None = None) -> None:
    """Count a hit of endpoint ``name`` for a client address and an optional key; raise RateLimited when over
    a limit. For services that get the address from their caller."""
    limit = limit_for(name)
    count(limit, keys_for(limit, ip=ip, key=key))


def hit(request: HttpRequest, name: str, *, key: str | None = None) -> None:
    """Count a hit of endpoint ``name`` for this request's client (and ``key``, e.g. a username or an ID
    number); raise RateLimited when over a limit."""
    check(name, ip=client_ip(request.META), key=key)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.content_type == "application/json"


def response(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """The 429 answer: JSON ``{"detail": ...}`` for the API, a short page otherwise; both with Retry-After."""
    answer: HttpResponse
    if _is_api(request):
        answer = JsonResponse({"detail": exc.message}, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        answer = render(request, "core/rate_limited.html", {"message": exc.message}, status=429)
    answer["Retry-After"] = str(exc.retry_after)
    return answer


def field(name: str) -> Callable[..., str | None]:
    """A ``key`` for ``limit``: the submitted value of a form field, or of a JSON body's member."""

    def key(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body)
            except (ValueError, RequestDataTooBig):  # the view answers a bad or oversized body itself
                return None
            value = data.get(name) if isinstance(data, dict) else None
        else:
            value = request.POST.get(name)
        return str(value) if value not in (None, "") else None

    return key


def retry_after(response: HttpResponse, seconds: int) -> HttpResponse:
    """Add Retry-After to a page that shows the limit's message in its form (nothing when ``seconds`` is 0)."""
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def limit(
    name: str,
    *,
    methods: Sequence[str] | None = None,
    key: Callable[..., str | None] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: count each request (of ``methods``, default all) against endpoint ``name``, per client
    address and, when ``key`` is given, per ``key(request, *args, **kwargs)``; over a limit the view is not
    called and the answer is 429. On an API operation, apply it through ninja's ``decorate_view`` (below the
    route decorator): ``@decorate_view(ratelimit.limit("returnees.venue"))``."""
    limit_for(name)  # an unknown name fails at import, not on the first request
    wanted = {m.upper() for m in methods} if methods else None

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if wanted is None or request.method in wanted:
                try:
                    hit(request, name, key=key(request, *args, **kwargs) if key else None)
                except RateLimited as exc:
                    return response(request, exc)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class RateLimitMiddleware:
    """Answers RateLimited raised anywhere in a view (for example from an authentication backend) with 429."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return response(request, exception)
        return None


def purge(*, now: float | None = None) -> int:
    """Delete counters whose window ended (they would restart at 1 anyway); returns how many."""
    from fangkong.core.models import RateCounter

    now = time.time() if now is None else now
    longest = max(limit_for(name).window for name in ENDPOINTS)
    deleted, _rows = RateCounter.objects.filter(win__lt=now - longest).delete()
    return deleted


__all__ = [
    "ENDPOINTS",
    "Limit",
    "RateLimited",
    "check",
    "client_ip",
    "count",
    "counter_params",
    "counter_sql",
    "error",
    "field",
    "hit",
    "keys_for",
    "limit",
    "limit_for",
    "over_error",
    "over_params",
    "over_sql",
    "purge",
    "response",
    "retry_after",
    "window_start",
]
