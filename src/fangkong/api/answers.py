"""Documented answers an operation names itself."""

from __future__ import annotations

# An operation that can answer 409 (a conflict with a stored record) names it with ``openapi_extra=CONFLICT``.
CONFLICT = {
    "responses": {
        409: {
            "description": "与已有记录冲突（例如同时保存，或该户已有户主）",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
        }
    }
}
