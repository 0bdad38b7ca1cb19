"""The persona × URL matrix, generated from the URL conf and the OpenAPI document.

Every URL name and API operation has a row in its app's ``tests/personas.py`` (format: ``core.tests.matrix``);
a new URL without one fails ``test_every_url_and_operation_has_an_expectation``. The persona world (the cast
of ``project.testing`` plus each app's ``build``) is built once per test class and every request is rolled back,
so POSTs leave nothing behind for the next persona.

Each row asks every persona GET and, where the row gives one, POST.
"""

from __future__ import annotations

import re
from typing import Any

from fangkong.core.tests.matrix import TABLE, MatrixWorld, api_operations, url_names


def test_every_url_and_operation_has_an_expectation():
    """A URL pattern or API operation with no row in a personas table fails here; so does a stale row."""
    wanted = set(url_names()) | set(api_operations())
    missing = sorted(wanted - set(TABLE))
    stale = sorted(set(TABLE) - wanted)
    assert not missing, "no persona expectation (add it to the app's tests/personas.py): " + ", ".join(
        missing
    )
    assert not stale, "expectations for URLs that no longer exist: " + ", ".join(stale)


def _test_name(key: str) -> str:
    return "test_" + re.sub(r"\W+", "_", key).strip("_").lower()


class TestPersonaMatrix(MatrixWorld):
    """One test per URL name / API operation: every persona's answer against its row."""


for _key in sorted(TABLE):

    def _make(key: str) -> Any:
        def test(self: MatrixWorld) -> None:
            self.check(key)

        test.__doc__ = f"persona matrix: {key}"
        return test

    setattr(TestPersonaMatrix, _test_name(_key), _make(_key))


def test_table_keys_have_distinct_test_names():
    names = [_test_name(k) for k in TABLE]
    assert len(names) == len(set(names))
