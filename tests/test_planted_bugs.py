"""The differential tester can fail: each planted bug of `gen.planted`, put
into the pipeline as an optimization pass `lo.planted-<name>` just before
code generation, is caught by tests/test_differential.py's property within
as many programs as the `ci` profile runs (issue 17).

* the leak is checker-valid: the `bytes_peak` bound must catch it, on the
  large programs (the small ones loop too few times to show it);
* the early free and the lost release break linearity: the lolang checker
  the pipeline runs after every lolang stage rejects them, on the small
  programs; and with that check bypassed for the planted stage (and the
  lolang interpreter given the types of the pass's input, since the
  checker cannot type its output), the dynamic checks catch them too: a
  stale region id in the lolang interpreter, regions left at the end.
  Native code is left out there: code generation checks its input itself.

Each test generates programs until the first failure, without shrinking,
and asserts what failed; docs/testing.md records how soon each is caught.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from diagnostics import CompilerBug
from gen import planted
from conftest import DIFFERENTIAL_COUNTS
from test_differential import check_program, large_programs, passes_off, small_programs

SMALL_CI, LARGE_CI = DIFFERENTIAL_COUNTS["ci"]


@pytest.fixture
def plant():
    """`plant(bug, checked=True)`: the pipeline has the bug as a pass
    (`gen.planted.planted`) until the test ends."""
    opened = []

    def put(bug: planted.PlantedBug, checked: bool = True) -> None:
        context = planted.planted(bug, checked)
        context.__enter__()
        opened.append(context)

    yield put
    for context in reversed(opened):
        context.__exit__(None, None, None)


def first_failure(strategy, examples: int) -> tuple[Exception | None, int]:
    """Run the differential property on up to `examples` programs drawn
    from `strategy` (as CI does, but stopping at the first failure, with
    no shrinking, and always the same programs: `derandomize`, so that the
    test cannot flicker; `gen/catch_rates.py` measures how often each bug
    is caught over many programs): the failure, and how many programs it
    took."""
    tried = []

    @settings(max_examples=examples, phases=[Phase.generate], database=None, deadline=None, derandomize=True,
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck))
    @given(strategy, st.data())
    def property_(text, data):
        off = passes_off(data)
        tried.append(text)
        note(text)
        check_program(text, [], off)

    try:
        property_()
    except Exception as failure:  # noqa: BLE001  (what failed is the point)
        return failure, len(tried)
    return None, len(tried)


def _caught(bug: planted.PlantedBug, strategy, examples: int) -> Exception:
    failure, tried = first_failure(strategy, examples)
    assert failure is not None, f"{examples} programs did not catch the planted bug '{bug.name}'"
    print(f"'{bug.name}' caught by program {tried}: {type(failure).__name__}: {str(failure)[:200]}")
    return failure


def test_a_leak_is_caught(plant):
    """Caught by the `bytes_peak` bound, or by the regions it leaves at the
    end: an object of the loop's region that holds a pack of that same
    region (a row pushed into a grid made in the same loop) keeps the
    region alive for ever."""
    plant(planted.LEAK)
    failure = _caught(planted.LEAK, large_programs, LARGE_CI)
    assert isinstance(failure, AssertionError) and ("a space leak" in str(failure) or "leaks" in str(failure)), failure


def test_a_leak_is_caught_by_the_bytes_peak_bound_alone(plant, monkeypatch):
    """The same with the check for regions left at the end switched off:
    the space bound catches the leak by itself."""
    import test_differential

    plant(planted.LEAK)
    monkeypatch.setattr(test_differential, "_assert_no_region_left", lambda outcomes: None)
    failure = _caught(planted.LEAK, large_programs, LARGE_CI)
    assert isinstance(failure, AssertionError) and "a space leak" in str(failure), failure


@pytest.mark.parametrize("bug", [planted.EARLY_FREE, planted.LOST_RELEASE], ids=lambda b: b.name)
def test_a_broken_linearity_is_caught_by_the_checker(plant, bug):
    plant(bug)
    failure = _caught(bug, small_programs, SMALL_CI)
    assert isinstance(failure, CompilerBug) and f"the lolang checker rejects the output of '{bug.stage_name}'" in str(failure)


def test_an_early_free_is_caught_running_unchecked(plant):
    plant(planted.EARLY_FREE, checked=False)
    failure = _caught(planted.EARLY_FREE, small_programs, SMALL_CI)
    assert isinstance(failure, CompilerBug) and "stale" in str(failure), failure


def test_a_lost_release_is_caught_running_unchecked(plant):
    plant(planted.LOST_RELEASE, checked=False)
    failure = _caught(planted.LOST_RELEASE, small_programs, SMALL_CI)
    assert isinstance(failure, AssertionError) and "leaks" in str(failure), failure
