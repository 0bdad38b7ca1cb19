"""The OpenAPI document names every schema once: two models with the same class name (masks' and pairing's
RoundOut) made one overwrite the other, so one router's answers were documented with the other's shape."""

import collections
import typing

import pytest
from pydantic import BaseModel

from fangkong.api.api import api


def _models() -> dict[str, set[type[BaseModel]]]:
    found: dict[str, set[type[BaseModel]]] = collections.defaultdict(set)
    seen: set[type] = set()

    def walk(annotation: typing.Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            if annotation.__module__.startswith("fangkong."):  # not ninja's per-operation wrappers
                found[annotation.__name__].add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
            return
        for arg in typing.get_args(annotation):
            walk(arg)

    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in operation.models:
                    walk(model)
                for model in operation.response_models.values():
                    walk(model)
    return found


def test_every_schema_name_is_unique():
    duplicates = {
        name: sorted(f"{m.__module__}.{m.__qualname__}" for m in models)
        for name, models in _models().items()
        if len(models) > 1
    }
    assert not duplicates


def test_each_documented_schema_has_its_models_shape():
    components = api.get_openapi_schema()["components"]["schemas"]
    checked = 0
    for name, models in _models().items():
        if name not in components:
            continue  # wrappers ninja inlines (parameters, list responses)
        (model,) = models
        documented = set(components[name].get("properties", {}))
        fields = set(model.model_json_schema(by_alias=False).get("properties", {}))
        assert documented == fields, name
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("path", ["/api/v1/masks/rounds", "/api/v1/pairing/rounds"])
def test_round_lists_point_at_their_own_schema(path):
    document = api.get_openapi_schema()
    matches = [p for p in document["paths"] if p.endswith(path.removeprefix("/api/v1"))]
    if not matches:
        pytest.skip(f"{path} is not an operation")
    responses = document["paths"][matches[0]]["get"]["responses"]
    ok = responses.get(200) or responses["200"]
    answer = ok["content"]["application/json"]["schema"]
    ref = answer.get("items", answer).get("$ref", "")
    expected = "MaskRoundOut" if "masks" in path else "CheckinRoundOut"
    assert ref.endswith(expected), ref


def test_error_answers_are_documented():
    document = api.get_openapi_schema()
    assert "ErrorDetail" in document["components"]["schemas"]
    public_posts = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation["responses"]}
            if "{" in path:
                assert 404 in codes, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert 422 in codes, (method, path)
            if operation.get("requestBody"):
                assert {400, 413} <= codes, (method, path)
            if operation.get("security"):
                assert 401 in codes, (method, path)
            elif method == "post":
                assert 429 in codes, (method, path)
                public_posts += 1
    assert public_posts >= 4  # booking, lookup, venue check-in, report
