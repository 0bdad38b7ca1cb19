"""The kept bulletins' pages: the list, a draft opened for a period, one bulletin (edited while a draft),
its stories, publishing, and its PDF and text. HQ edits; the other report readers read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command import access, bulletins
from fangkong.command.models import Bulletin, BulletinStory
from fangkong.core.errors import flash_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.exports import record_export


def _bulletins(user: Any) -> Any:
    if not access.bulletin_reader(user):
        raise Http404
    return Bulletin.objects.visible_to(user)


def _editable(request: HttpRequest, pk: int) -> Bulletin:
    bulletin = get_object_or_404(_bulletins(request.user), pk=pk)
    if not access.may_edit(request.user, bulletin):
        raise Http404
    return bulletin


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else -1


@login_required
def bulletin_list(request: HttpRequest) -> HttpResponse:
    qs = _bulletins(request.user).only(
        "pk", "title", "period", "start", "end", "status", "published_at", "subdistrict_id"
    )
    page = Paginator(qs.order_by("-start", "-pk"), 30).get_page(request.GET.get("page"))
    return render(request, "command/bulletins.html", {"page": page, "flags": access.flags(request.user)})


@login_required
@require_POST
def bulletin_draft(request: HttpRequest) -> HttpResponse:
    """Open the draft of a period (a new one composed from the figures, or the one being edited)."""
    from django.apps import apps

    user = request.user
    if not access.may_edit_bulletin(user):
        raise Http404
    subdistrict_model: Any = apps.get_model("registry", "SubDistrict")
    raw = request.POST.get("sub", "")
    sub = subdistrict_model.objects.visible_to(user).filter(pk=int(raw) if raw.isdigit() else 0).first()
    if sub is None or not access.may_edit_bulletin(user, sub.pk):
        raise Http404
    day = parse_date(request.POST.get("day", "") or "") or timezone.localdate()
    period = "week" if request.POST.get("period") == "week" else "day"
    try:
        bulletin, created = bulletins.draft(actor=user, subdistrict=sub, period=period, day=day)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("command:bulletin")
    if not created:
        messages.info(request, _("该时段已有草稿，已为您打开。"))
    return redirect("command:bulletin_detail", pk=bulletin.pk)


@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_object_or_404(_bulletins(request.user), pk=pk)
    return render(
        request,
        "command/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "stories": list(bulletin.stories.defer("photo").all()),
            "story_photos": set(bulletin.stories.exclude(photo=b"").values_list("pk", flat=True)),
            "may_edit": access.may_edit(request.user, bulletin),
            "max_stories": bulletins.MAX_STORIES,
            "flags": access.flags(request.user),
        },
    )


def _act(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    bulletin = _editable(request, pk)
    try:
        action(bulletin)
    except ValidationError as exc:  # a ConflictError too
        flash_errors(request, exc)
    except (PermissionDenied, ScopeError):
        raise Http404
    else:
        messages.success(request, done)
    return redirect("command:bulletin_detail", pk=bulletin.pk)


@login_required
@require_POST
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    count = len(request.POST.getlist("text"))
    return _act(
        request,
        pk,
        lambda b: bulletins.edit(
            actor=request.user,
            bulletin=b,
            expected_version=_version(request),
            title=request.POST.get("title", ""),
            lead=request.POST.get("lead", ""),
            texts=request.POST.getlist("text")[:count],
        ),
        _("已保存。"),
    )


@login_required
@require_POST
def bulletin_recompose(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda b: bulletins.recompose(actor=request.user, bulletin=b, expected_version=_version(request)),
        _("已按最新数据重新生成正文。"),
    )


@login_required
@require_POST
def bulletin_story_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda b: bulletins.add_story(
            actor=request.user,
            bulletin=b,
            expected_version=_version(request),
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            photo=request.FILES.get("photo"),
        ),
        _("已添加事迹。"),
    )


@login_required
@require_POST
def bulletin_story_remove(request: HttpRequest, pk: int, story: int) -> HttpResponse:
    bulletin = _editable(request, pk)
    found = get_object_or_404(BulletinStory, pk=story, bulletin=bulletin)
    return _act(
        request,
        pk,
        lambda b: bulletins.remove_story(actor=request.user, story=found, expected_version=_version(request)),
        _("已删除事迹。"),
    )


@login_required
@require_POST
def bulletin_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda b: bulletins.publish(actor=request.user, bulletin=b, expected_version=_version(request)),
        _("简报已发布。"),
    )


@login_required
def bulletin_story_photo(request: HttpRequest, pk: int, story: int) -> HttpResponse:
    bulletin = get_object_or_404(_bulletins(request.user), pk=pk)
    found = get_object_or_404(BulletinStory.objects.exclude(photo=b""), pk=story, bulletin=bulletin)
    response = HttpResponse(bytes(found.photo), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def bulletin_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A published bulletin's PDF; any bulletin's text (a draft's as it stands)."""
    bulletin = get_object_or_404(_bulletins(request.user), pk=pk)
    name = f"bulletin-{bulletin.start.isoformat()}-{bulletin.end.isoformat()}"
    if fmt == "pdf" and not bulletin.is_draft:
        body, content_type = bytes(bulletin.pdf), "application/pdf"
    elif fmt == "txt":
        body, content_type = bulletin.plain().encode(), "text/plain; charset=utf-8"
    else:
        raise Http404
    record_export(request.user, obj=bulletin, changes={"format": fmt})
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
