"""The per-process TTL cache of the hot paths: what it keeps, for how long, and how it is emptied."""

from hypothesis import given
from hypothesis import strategies as st

from fangkong.core import ttlcache
from fangkong.core.ttlcache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_kept_for_its_ttl_and_loaded_again_after(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ttlcache.time, "monotonic", clock)
    cache = TTLCache("test")
    loads = []

    def load():
        loads.append(1)
        return None  # None is a value too (an unknown QR code)

    assert cache.get(("venue", "x"), 5.0, load) is None
    clock.now += 4.9
    assert cache.get(("venue", "x"), 5.0, load) is None
    assert len(loads) == 1
    clock.now += 0.2
    cache.get(("venue", "x"), 5.0, load)
    assert len(loads) == 2


def test_forget_drops_one_kind_only():
    cache = TTLCache("test")
    cache.put(("slots", 1), 60, "s1")
    cache.put(("slots", 2), 60, "s2")
    cache.put(("round", 1), 60, "r1")
    cache.forget("slots")
    assert cache.peek(("slots", 1)) is None and cache.peek(("slots", 2)) is None
    assert cache.peek(("round", 1)) == "r1"


def test_a_full_cache_starts_over_instead_of_growing():
    cache = TTLCache("test", max_entries=3)
    for n in range(3):
        cache.put(("k", n), 60, n)
    cache.put(("k", 0), 60, "again")  # a key already kept does not count as new
    assert len(cache) == 3
    cache.put(("k", 9), 60, 9)
    assert len(cache) == 1 and cache.peek(("k", 9)) == 9


_kept = TTLCache("test.kept")


def test_clear_all_empties_every_cache_and_the_root_fixture_starts_each_test_empty():
    assert len(_kept) == 0  # whatever another test kept, the root fixture emptied
    mine = TTLCache("test")
    mine.put(("a",), 60, 1)
    _kept.put(("stock", 1, 1), 60, False)
    ttlcache.clear_all()
    assert len(mine) == 0 and _kept.peek(("stock", 1, 1)) is None


def test_fills_a_module_level_cache_for_the_next_test():
    _kept.put(("round", 1), 60, "kept")
    assert len(_kept) == 1


def test_the_next_test_finds_it_empty():
    assert len(_kept) == 0


@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["put", "tick", "forget"]), st.integers(0, 3), st.integers(1, 5)),
        max_size=40,
    )
)
def test_the_cache_answers_like_a_dictionary_of_deadlines(steps):
    """Against a model: a key answers its last value until its deadline, then nothing."""
    clock = Clock()
    original = ttlcache.time.monotonic
    ttlcache.time.monotonic = clock  # type: ignore[assignment]
    try:
        cache = TTLCache("model")
        model: dict[tuple, tuple[float, int]] = {}
        for op, key, n in steps:
            k = ("kind" if key % 2 else "other", key)
            if op == "put":
                cache.put(k, float(n), n)
                model[k] = (clock.now + n, n)
            elif op == "tick":
                clock.now += n
            else:
                cache.forget(k[0])
                model = {mk: mv for mk, mv in model.items() if mk[0] != k[0]}
            for mk in {("kind", i) for i in range(4)} | {("other", i) for i in range(4)}:
                expected = model[mk][1] if mk in model and model[mk][0] > clock.now else None
                assert cache.peek(mk) == expected
    finally:
        ttlcache.time.monotonic = original  # type: ignore[assignment]
