"""Pages of the online briefings (微党课): the list, planning one with its invited branches, the briefing's
page (expected and actual attendance per branch, branches that did not attend, real against planned
duration, the Q&A), its check-in poster, and the public check-in page members open from the QR code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care import access
from fangkong.care import briefings as service
from fangkong.care.forms import BriefingForm, BriefingTimesForm, PublicBriefingForm, QuestionForm
from fangkong.care.models import Briefing
from fangkong.core import ratelimit
from fangkong.core import scope as scope_questions
from fangkong.core.choices import Domain
from fangkong.core.errors import add_form_errors, flash_errors
from fangkong.core.links import public_url
from fangkong.core.qr import qr_svg_inline


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"flags": access.flags(request.user), **extra}


@login_required
def briefings(request: HttpRequest) -> HttpResponse:
    user = access.care_user(request.user)
    qs = Briefing.objects.visible_to(user).select_related("neighborhood").order_by("-day", "-pk")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request, "care/briefings.html", _context(request, page=page, can_plan=access.may_plan_briefing(user))
    )


@login_required
def briefing_new(request: HttpRequest) -> HttpResponse:
    from fangkong.registry.models import Neighborhood, PartyBranch

    user = access.care_user(request.user)
    if not access.may_plan_briefing(user):
        raise Http404
    sub_id = user.subdistrict_id
    if sub_id is None:
        raise Http404
    hoods = list(
        Neighborhood.objects.editable_by(user).filter(subdistrict_id=sub_id).order_by("code", "name")
    )
    whole = scope_questions.may_write_row(
        user, domain=Domain.CARE, subdistrict_id=sub_id, neighborhood_id=None
    )
    branches = list(
        PartyBranch.objects.visible_to(user)
        .filter(subdistrict_id=sub_id)
        .select_related("organization")[:500]
    )
    form = BriefingForm(
        request.POST or None, neighborhoods=hoods, whole=whole, initial={"day": timezone.localdate()}
    )
    expected = {b.pk: (request.POST.get(f"expected_{b.pk}") or "").strip() for b in branches}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        invited = []
        bad = False
        for b in branches:
            raw = expected[b.pk]
            if raw:
                if not raw.isdigit():
                    bad = True
                    continue
                invited.append((b, int(raw)))
        try:
            if bad:
                raise ValidationError({"invited": [_("应到人数须为整数。")]})
            briefing = service.create_briefing(
                actor=user,
                subdistrict_id=sub_id,
                neighborhood=next((h for h in hoods if h.pk == d["neighborhood"]), None),
                title=d["title"],
                organisers=d["organisers"],
                day=d["day"],
                planned_minutes=d["planned_minutes"],
                speakers=form.speaker_list(),
                topics=form.topic_list(),
                invited=invited,
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except PermissionDenied:
            add_form_errors(form, ValidationError({"neighborhood": [_("请选择您负责的居民区。")]}))
        else:
            messages.success(request, _("已登记微党课，请把签到二维码发给各党组织。"))
            return redirect("care:briefing_detail", pk=briefing.pk)
    rows = [(b, expected[b.pk]) for b in branches]
    return render(request, "care/briefing_form.html", _context(request, form=form, branches=rows))


def _briefing(request: HttpRequest, pk: int) -> Briefing:
    user = access.care_user(request.user)
    return get_object_or_404(Briefing.objects.visible_to(user).select_related("neighborhood"), pk=pk)


@login_required
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    user = request.user
    can = access.may_edit_briefing(user, briefing)
    invited = [inv.branch for inv in briefing.invited.select_related("branch").order_by("branch__name")]
    times = BriefingTimesForm(
        initial={
            "started_at": timezone.localtime(briefing.started_at) if briefing.started_at else None,
            "ended_at": timezone.localtime(briefing.ended_at) if briefing.ended_at else None,
        }
    )
    question_form = QuestionForm(branches=invited)
    if request.method == "POST":
        if not can:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "times":
                times = BriefingTimesForm(request.POST)
                if times.is_valid():
                    service.record_times(
                        actor=user,
                        briefing=briefing,
                        started_at=times.cleaned_data["started_at"],
                        ended_at=times.cleaned_data["ended_at"],
                    )
                    messages.success(request, _("已保存实际时间。"))
                    return redirect("care:briefing_detail", pk=briefing.pk)
            elif action == "question":
                question_form = QuestionForm(request.POST, branches=invited)
                if question_form.is_valid():
                    d = question_form.cleaned_data
                    service.record_question(
                        actor=user,
                        briefing=briefing,
                        text=d["text"],
                        asked_by=d["asked_by"],
                        branch=next((b for b in invited if b.pk == d["branch"]), None),
                    )
                    messages.success(request, _("已记录提问。"))
                    return redirect(reverse("care:briefing_detail", args=[briefing.pk]) + "#questions")
            elif action == "answer":
                question = get_object_or_404(briefing.questions.all(), pk=_int(request.POST.get("question")))
                service.answer_question(
                    actor=user,
                    question=question,
                    answer=request.POST.get("answer", ""),
                    answered_by=request.POST.get("answered_by", ""),
                )
                messages.success(request, _("已记录解答。"))
                return redirect(reverse("care:briefing_detail", args=[briefing.pk]) + "#questions")
            else:
                raise Http404
        except ValidationError as exc:
            flash_errors(request, exc)
        except PermissionDenied:
            raise Http404
    summary = service.summary(briefing)
    questions = list(briefing.questions.select_related("branch").order_by("pk"))
    return render(
        request,
        "care/briefing_detail.html",
        _context(
            request,
            briefing=briefing,
            summary=summary,
            questions=questions,
            unanswered=sum(1 for q in questions if not q.answered),
            can=can,
            times=times,
            question_form=question_form,
        ),
    )


@login_required
def briefing_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in QR code of a briefing, to send to the invited branches (or show on screen)."""
    briefing = _briefing(request, pk)
    url = public_url("care:public_briefing", briefing.code)
    return render(
        request,
        "care/briefing_poster.html",
        _context(request, briefing=briefing, url=url, svg=qr_svg_inline(url, scale=1)),
    )


# ------------------------------------------------------------------------------------------ public page


@ratelimit.limit("care.briefing", methods=("POST",), key=ratelimit.field("name"))
def public_briefing(request: HttpRequest, code: str) -> HttpResponse:
    """A member checks in to a briefing with name and branch (one of the invited). The page answers the same
    whether the name was there before or not, and shows nobody else's."""
    briefing = get_object_or_404(Briefing, code=code[:32])
    branches = [inv.branch for inv in briefing.invited.select_related("branch").order_by("branch__name")]
    form = PublicBriefingForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = service.check_in(briefing=briefing, name=d["name"], branch_id=d["branch"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            branch = next(b for b in branches if b.pk == result.attendance.branch_id)
            return render(
                request,
                "care/public_briefing_done.html",
                {"briefing": briefing, "name": result.attendance.name, "branch": branch},
            )
    return render(request, "care/public_briefing.html", {"briefing": briefing, "form": form})
