"""The API's list pagination: ninja's limit/offset with bounds, so a huge ``limit`` or ``offset`` (past what
the database's integers hold) is a 422 with the allowed range instead of a server error."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 1000
MAX_OFFSET = 10**9


class LimitOffset(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"rows per page, 1 to {MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="rows to skip")
