"""Generic list / detail / create / edit pages for scoped models, configured per model by an ObjectType.

An app lists its ObjectTypes and gets URL patterns from ``urls_for(app_types)``: ``<slug>/``,
``<slug>/add/``, ``<slug>/<pk>/`` and ``<slug>/<pk>/edit/``, named ``<slug>_list``, ``<slug>_add``,
``<slug>_detail`` and ``<slug>_edit``. Reads go through ``visible_to``; saves through the type's service.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, models
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from fangkong.core import crypto, personal
from fangkong.core.errors import add_form_errors
from fangkong.core.exceptions import ScopeError
from fangkong.core.htmx import is_htmx
from fangkong.core.privacy import PERSONAL_POST_FIELDS, personal_post
from fangkong.core.services import may_create

_ID_LIKE = re.compile(r"^[0-9]{17}[0-9Xx]$")
_PHONE_LIKE = re.compile(r"^1[3-9][0-9]{9}$")

# Searches for a full ID number or phone never go in a URL (access logs, browser history, Referer): the
# search form posts, the text is kept in the session under a random token and the list is shown at ?qt=<token>.
SEARCH_TOKENS_KEY = "search_tokens"
MAX_SEARCH_TOKENS = 20


def looks_personal(text: str) -> bool:
    """True when a search text is a full ID number or a mobile number (what ``_search`` looks up by hash)."""
    compact = personal.normalize_id_number(text)
    return bool(_ID_LIKE.match(compact) or _PHONE_LIKE.match(compact))


@dataclass
class Child:
    """A related list shown on a detail page, e.g. the residents of a household."""

    label: Any
    related_name: str
    columns: list[tuple[str, Any]]
    link_slug: str | None = None
    # "＋ 添加…" on the parent's page: shown when may_add(user, parent) says yes; the add page of link_slug
    # opens with ?<add_param>=<parent pk>.
    may_add: Callable[[Any, Any], bool] | None = None
    add_param: str = ""


@dataclass
class Panel:
    """A section of a detail page drawn from other apps' records (a household's bookings, declarations …):
    ``rows`` are lists of (text, link or "") cells, already scoped and masked by whoever builds them."""

    label: Any
    headers: list[Any]
    rows: list[list[tuple[Any, str]]]
    empty: Any = ""

    def labelled_rows(self) -> list[list[tuple[Any, Any, str]]]:
        """Each cell with its column's header (phones show rows as cards with labelled cells)."""
        return [
            [(h, text, link) for h, (text, link) in zip(self.headers, row, strict=False)] for row in self.rows
        ]


@dataclass
class ObjectType:
    model: type[models.Model]
    slug: str
    form_class: type[forms.ModelForm] | None
    columns: list[tuple[str, Any]]
    search_fields: list[str] = field(default_factory=list)
    filter_fields: list[str] = field(default_factory=list)
    select_related: list[str] = field(default_factory=list)
    detail_fields: list[tuple[str, Any]] | None = None
    personal_fields: list[str] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    save: Callable[..., Any] | None = None
    io_slug: str | None = None
    per_page: int = 50
    # Access predicates (user, model) and (user, obj): the buttons and the pages behind them ask the same.
    may_create: Callable[[Any, Any], bool] | None = None
    may_edit: Callable[[Any, Any], bool] | None = None
    # More sections of the detail page: (user, obj) -> panels (each scoped by visible_to).
    panels: Callable[[Any, Any], list[Panel]] | None = None

    @property
    def verbose_name(self) -> Any:
        return self.model._meta.verbose_name

    @property
    def verbose_name_plural(self) -> Any:
        return self.model._meta.verbose_name_plural

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _search(ot: ObjectType, qs: models.QuerySet, q: str) -> models.QuerySet:
    q = q.strip()
    if not q:
        return qs
    condition = Q()
    compact = personal.normalize_id_number(q)
    if "id_number" in ot.personal_fields and _ID_LIKE.match(compact):
        return qs.filter(id_number_hash=crypto.lookup_hash("id_number", compact))
    for name in ot.personal_fields:
        if personal.kind_of(ot.model, name) == personal.PHONE and _PHONE_LIKE.match(compact):
            condition |= Q(**{f"{name}_hash": crypto.lookup_hash("phone", compact)})
    for name in ot.search_fields:
        condition |= Q(**{f"{name}__icontains": q})
    return qs.filter(condition) if condition else qs


def _filter_options(ot: ObjectType, user: Any) -> list[dict[str, Any]]:
    options = []
    for name in ot.filter_fields:
        f = ot.model._meta.get_field(name)
        if f.is_relation:
            related = f.related_model
            manager: Any = related._default_manager  # type: ignore[union-attr]
            rqs = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
            choices = [(str(o.pk), str(o)) for o in rqs[:500]]
        elif getattr(f, "choices", None):
            choices = [(str(k), str(v)) for k, v in f.choices]  # type: ignore[union-attr]
        elif isinstance(f, models.BooleanField):
            choices = [("1", _("是")), ("0", _("否"))]
        else:
            continue
        options.append({"name": name, "label": f.verbose_name, "choices": choices})
    return options


def _apply_filters(ot: ObjectType, qs: models.QuerySet, params: Any) -> models.QuerySet:
    for name in ot.filter_fields:
        raw = params.get(name, "")
        if raw == "":
            continue
        f = ot.model._meta.get_field(name)
        if f.is_relation:
            if not raw.isdigit():
                return qs.none()
            qs = qs.filter(**{f"{name}_id": int(raw)})
        elif isinstance(f, models.BooleanField):
            qs = qs.filter(**{name: raw == "1"})
        else:
            qs = qs.filter(**{name: raw})
    return qs


def can_create(user: Any, ot: ObjectType) -> bool:
    """The "＋ 新增" button and the add page: the type's predicate, or the write scope for a new record."""
    if ot.form_class is None or ot.save is None:
        return False
    return (ot.may_create or may_create)(user, ot.model)


def can_edit(user: Any, ot: ObjectType, obj: Any) -> bool:
    """The "编辑" button and the edit page."""
    if ot.form_class is None or ot.save is None:
        return False
    if ot.may_edit is not None:
        return ot.may_edit(user, obj)
    manager: Any = ot.model._default_manager
    return bool(manager.editable_by(user).filter(pk=obj.pk).exists())


def _search_redirect(request: HttpRequest, ot: ObjectType) -> HttpResponse:
    """The search form's POST: back to the list (303) with the filters, and the search text as ?q= or, when
    it is personal, as an opaque session token ?qt=."""
    query = QueryDict(mutable=True)
    for name in ot.filter_fields:
        value = request.POST.get(name, "")
        if value:
            query[name] = value
    q = request.POST.get("q", "").strip()[:200]
    if q and looks_personal(q):
        token = secrets.token_urlsafe(16)
        tokens = dict(request.session.get(SEARCH_TOKENS_KEY, {}))
        tokens[token] = q
        while len(tokens) > MAX_SEARCH_TOKENS:
            tokens.pop(next(iter(tokens)))
        request.session[SEARCH_TOKENS_KEY] = tokens
        query["qt"] = token
    elif q:
        query["q"] = q
    response = HttpResponseRedirect(request.path + (f"?{query.urlencode()}" if query else ""))
    response.status_code = 303
    return response


def _search_text(request: HttpRequest) -> tuple[str, str]:
    """The list's search text and a notice: from the session by ?qt= token, or a non-personal ?q=."""
    token = request.GET.get("qt", "")
    if token:
        stored = request.session.get(SEARCH_TOKENS_KEY, {}).get(token)
        if not isinstance(stored, str):
            return "", _("这次搜索已过期，显示全部记录；请重新搜索。")
        return stored, ""
    q = request.GET.get("q", "")
    if looks_personal(q):
        return "", _("完整证件号或手机号不能写在网址里：请在搜索框中输入后点“查询”。")
    return q, ""


def list_view(ot: ObjectType) -> Callable[..., HttpResponse]:
    @login_required
    @sensitive_post_parameters("q", *PERSONAL_POST_FIELDS)
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            return _search_redirect(request, ot)
        manager: Any = ot.model._default_manager
        qs = manager.visible_to(request.user).select_related(*ot.select_related)
        qs = _apply_filters(ot, qs, request.GET)
        q, notice = _search_text(request)
        qs = _search(ot, qs, q)
        page = Paginator(qs.order_by(*(ot.model._meta.ordering or ["pk"]), "pk"), ot.per_page).get_page(
            request.GET.get("page")
        )
        context = {
            "ot": ot,
            "page": page,
            "q": q,
            "notice": notice,
            "filters": _filter_options(ot, request.user),
            "params": request.GET,
            "can_add": can_create(request.user, ot),
        }
        template = "core/_object_rows.html" if is_htmx(request) else "core/object_list.html"
        return render(request, template, context)

    return view


def detail_view(ot: ObjectType) -> Callable[..., HttpResponse]:
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        manager: Any = ot.model._default_manager
        obj = get_object_or_404(manager.visible_to(request.user).select_related(*ot.select_related), pk=pk)
        fields = ot.detail_fields or ot.columns
        children = []
        for child in ot.children:
            related_manager: Any = getattr(obj, child.related_name)
            rows = (
                related_manager.visible_to(request.user)
                if hasattr(related_manager, "visible_to")
                else related_manager.all()
            )
            may_add = child.may_add is not None and child.may_add(request.user, obj)
            children.append({"child": child, "rows": list(rows[:200]), "can_add": may_add})
        context = {
            "ot": ot,
            "obj": obj,
            "fields": fields,
            "personal": [(name, getattr(obj, f"{name}_masked", "")) for name in ot.personal_fields],
            "children": children,
            "panels": ot.panels(request.user, obj) if ot.panels is not None else [],
            "can_edit": can_edit(request.user, ot, obj),
            "can_reveal": request.user.is_superuser or request.user.may_reveal_personal_data,
        }
        return render(request, "core/object_detail.html", context)

    return view


def edit_view(ot: ObjectType) -> Callable[..., HttpResponse]:
    @login_required
    @personal_post
    def view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
        manager: Any = ot.model._default_manager
        instance = get_object_or_404(manager.editable_by(request.user), pk=pk) if pk is not None else None
        allowed = can_create(request.user, ot) if instance is None else can_edit(request.user, ot, instance)
        if not allowed or ot.form_class is None or ot.save is None:
            raise Http404
        initial = request.GET.dict() if instance is None else None
        form = ot.form_class(request.POST or None, instance=instance, user=request.user, initial=initial)  # type: ignore[call-arg]
        if request.method == "POST" and form.is_valid():
            obj = form.save(commit=False)
            personal = {
                name: form.cleaned_data.get(name, "") for name in ot.personal_fields if name in form.fields
            }
            personal = {k: v for k, v in personal.items() if v or instance is None}
            try:
                obj = ot.save(
                    actor=request.user,
                    obj=obj,
                    personal=personal,
                    expected_version=form.cleaned_data.get("expected_version"),
                )
            except ScopeError:
                raise Http404
            except ValidationError as exc:  # a ConflictError too
                add_form_errors(form, exc)
            except IntegrityError:
                form.add_error(None, _("保存失败：与已有记录重复。"))
            else:
                messages.success(request, _("已保存：%(obj)s") % {"obj": obj})
                return HttpResponseRedirect(
                    reverse(f"{request.resolver_match.namespace}:{ot.slug}_detail", args=[obj.pk])
                )
        return render(request, "core/object_form.html", {"ot": ot, "form": form, "obj": instance})

    return view


def urls_for(types: list[ObjectType]) -> list[Any]:
    patterns: list[Any] = []
    for ot in types:
        patterns += [
            path(f"{ot.slug}/", list_view(ot), name=f"{ot.slug}_list"),
            path(f"{ot.slug}/add/", edit_view(ot), name=f"{ot.slug}_add"),
            path(f"{ot.slug}/<int:pk>/", detail_view(ot), name=f"{ot.slug}_detail"),
            path(f"{ot.slug}/<int:pk>/edit/", edit_view(ot), name=f"{ot.slug}_edit"),
        ]
    return patterns


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose related-object choices are limited to what the user may write, with the version
    carried through a hidden field (optimistic locking)."""

    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk and "expected_version" in self.fields:
            self.fields["expected_version"].initial = getattr(self.instance, "version", None)
        for f in self.fields.values():
            if isinstance(f, forms.ModelChoiceField):
                manager: Any = f.queryset.model._default_manager  # type: ignore[union-attr]
                if hasattr(manager, "visible_to") and user is not None:
                    f.queryset = manager.visible_to(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.user is not None and not self.instance.pk and hasattr(self.instance, "subdistrict_id"):
            if not getattr(self.instance, "subdistrict_id", None) and self.user.subdistrict_id:
                self.instance.subdistrict_id = self.user.subdistrict_id
        return data
