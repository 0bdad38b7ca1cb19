import pytest

from fangkong.core.testing import build_world, client_for


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def as_persona(world):
    def _client(persona: str):
        return client_for(persona, world)

    return _client
