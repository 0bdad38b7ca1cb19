"""The inbox (alerts and messages of the signed-in user, with the header bell) and the jobs page."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core import jobs, notify
from fangkong.core.choices import DeliveryStatus
from fangkong.core.exceptions import ScopeError
from fangkong.core.models import Notification, User
from fangkong.core.scope import scope_for


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient=_me(request)).select_related("neighborhood")
    state = request.GET.get("state", "")
    if state == "unread":
        qs = qs.filter(read_at__isnull=True)
    kinds = dict(
        Notification.objects.filter(recipient=_me(request))
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    kind = request.GET.get("kind", "")
    if kind in kinds:
        qs = qs.filter(kind=kind)
    hoods = _neighborhoods(request)
    hood = request.GET.get("neighborhood", "")
    if hood.isdigit() and int(hood) in hoods:
        qs = qs.filter(neighborhood_id=int(hood))
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "core/inbox.html",
        {
            "page": page,
            "kinds": sorted(kinds),
            "neighborhoods": sorted(hoods.items(), key=lambda kv: kv[1]),
            "filters": {"state": state, "kind": kind, "neighborhood": hood},
            "unread": notify.unread_count(_me(request)),
        },
    )


def _neighborhoods(request: HttpRequest) -> dict[int, str]:
    rows = (
        Notification.objects.filter(recipient=_me(request), neighborhood__isnull=False)
        .values_list("neighborhood_id", "neighborhood__name")
        .distinct()
    )
    return {hood_id: name for hood_id, name in rows}


@login_required
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The bell's count, polled by htmx every few seconds from the header of every page."""
    return render(request, "core/_bell.html", {"unread": notify.unread_count(_me(request))})


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("id")
    ids = [int(x) for x in raw if x.isdigit()]
    if request.POST.get("all") == "1":
        count = notify.mark_read(user=_me(request))
    elif ids:
        count = notify.mark_read(user=_me(request), ids=ids)
    else:
        count = 0
    if request.POST.get("open") and len(ids) == 1:
        note = Notification.objects.filter(recipient=_me(request), pk=ids[0]).values_list("link", flat=True)
        link = next(iter(note), "")
        if link and url_has_allowed_host_and_scheme(link, {request.get_host()}, request.is_secure()):
            return redirect(link)
    if count:
        messages.success(request, _("已标记 %(n)d 条为已读。") % {"n": count})
    return redirect(_safe_next(request, "inbox"))


@login_required
def jobs_page(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if not jobs.may_see_jobs(user):
        raise Http404
    scope = scope_for(user)
    dead = Notification.objects.filter(delivery_status=DeliveryStatus.DEAD)
    if not scope.everything:
        dead = dead.filter(subdistrict_id__in=scope.subdistrict_ids)
    from fangkong.core.models import JobRun

    return render(
        request,
        "core/jobs.html",
        {
            "rows": jobs.overview(),
            "recent": JobRun.objects.select_related("triggered_by")[:30],
            "dead": dead.select_related("recipient").order_by("-id")[:50],
            "can_run": jobs.may_run_jobs(user),
        },
    )


@login_required
@require_POST
def job_run(request: HttpRequest, name: str) -> HttpResponse:
    if not jobs.may_run_jobs(_me(request)) or name not in {j.name for j in jobs.registered()}:
        raise Http404
    try:
        jobs.run_now(actor=_me(request), name=name)
    except ScopeError:
        raise Http404
    messages.success(request, _("已排队，后台任务将在数秒内运行。"))
    return redirect("jobs")


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    if not jobs.may_run_jobs(user):
        raise Http404
    scope = scope_for(user)
    qs = Notification.objects.filter(pk=pk, delivery_status=DeliveryStatus.DEAD)
    if not scope.everything:
        qs = qs.filter(subdistrict_id__in=scope.subdistrict_ids)
    if not qs.exists():
        raise Http404
    notify.retry_dead(actor=user, note_id=pk)
    messages.success(request, _("已重新排队发送。"))
    return redirect("jobs")
