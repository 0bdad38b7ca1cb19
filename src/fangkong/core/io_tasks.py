"""Large import commits run in the job runner (a long task of kind ``core.import``).

An upload of up to ``FANGKONG_IMPORT_INLINE_ROWS`` data rows (counted by its preview) is committed in the
request as before. A larger one is queued: the request answers with the task's progress page, the worker
commits it (the same ``spreadsheets.run_import``: one transaction, all rows or nothing, audited, a token
imported once) reporting the rows done after each batch, and the user finds the result in the inbox. An
import refused for its errors ends the task with that message and a link back to the preview, which lists
the errors.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

# an upload whose rows the preview did not count is queued when its file is larger than this
UNCOUNTED_INLINE_BYTES = 256 * 1024


def inline_limit() -> int:
    return int(getattr(settings, "FANGKONG_IMPORT_INLINE_ROWS", 3000))


def runs_in_background(upload: Any) -> bool:
    rows = upload.meta.get("rows")
    if isinstance(rows, int):
        return rows > inline_limit()
    return int(upload.meta.get("size") or 0) > UNCOUNTED_INLINE_BYTES


def start_import(*, user: Any, fmt: Any, upload: Any) -> Any:
    """Queue the commit of ``upload`` (a second submit of the same upload joins the queued one)."""
    from fangkong.core import longtasks

    existing = longtasks.open_for(user, kind="core.import", key="token", value=upload.token)
    if existing is not None:
        return existing
    return longtasks.start(
        user=user,
        kind="core.import",
        title=_("导入：%(title)s %(file)s") % {"title": fmt.title, "file": upload.filename},
        slug=fmt.slug,
        total=int(upload.meta.get("rows") or 0),
        params={"token": upload.token},
    )


def import_runner(task: Any, progress: Any) -> Any:
    """The ``core.import`` long task: commit the upload the task names, as the commit page does."""
    from fangkong.core import longtasks, spreadsheets
    from fangkong.core.spreadsheets import FileError, ImportRefused, UploadStore

    user = task.user
    fmt = spreadsheets.get_format(task.slug)
    if fmt is None or not fmt.allowed(user):
        raise longtasks.Refused(_("无权导入该数据。"))
    token = str(task.params.get("token", ""))
    preview = reverse("io:preview", kwargs={"slug": fmt.slug, "token": token})
    done_page = reverse("io:done", kwargs={"slug": fmt.slug, "token": token})
    store = UploadStore()
    upload = store.get(token, user=user, slug=fmt.slug)
    if upload is None:
        raise longtasks.Refused(_("上传的文件已过期，请重新上传。"))
    if "result" not in upload.meta:
        if not store.claim(upload):
            raise longtasks.Refused(_("该文件正在导入，请稍候刷新。"), done_page)
        try:
            report = spreadsheets.run_import(
                fmt, upload.read(), actor=user, token=token, filename=upload.filename, progress=progress
            )
            store.finish(upload, report.as_dict())
        except ImportRefused:
            raise longtasks.Refused(_("导入被拒绝：存在错误，未写入任何数据。"), preview)
        except FileError as exc:
            raise longtasks.Refused(exc.message, preview)
        except ValidationError as exc:  # a conflicting concurrent change
            raise longtasks.Refused("；".join(exc.messages), preview)
        except FileNotFoundError:
            raise longtasks.Refused(_("上传的文件已过期，请重新上传。"))
        finally:
            store.release(upload)
    rows = int(upload.meta["result"].get("rows", 0))
    return longtasks.Outcome(
        subject=_("导入完成：%(title)s（%(n)d 行）") % {"title": fmt.title, "n": rows},
        link=done_page,
        done=rows,
        result={"rows": rows},
    )
