"""Persona expectations for the API's own pages: the OpenAPI document, its docs page, the API root and
the health check (format: ``fangkong.core.tests.matrix``). Each app's operations are in its own table."""

from __future__ import annotations

from fangkong.core.tests.matrix import Case, answers

EXPECTATIONS: dict[str, Case] = {
    "api:openapi-json": Case(get=answers(200)),
    "api:openapi-view": Case(get=answers(200)),
    "api:api-root": Case(get=answers(404)),
    "GET /api/v1/health": Case(get=answers(200)),
}
