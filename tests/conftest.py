"""Shared test configuration: hypothesis profiles and paths.

Profiles bound how hard the property tests push:
  ci        the default; fits the CI budget together with the rest of the suite
  dev       quick local iterations
  thorough  thousands of examples: `HYPOTHESIS_PROFILE=thorough pytest`

The differential test (tests/test_differential.py) is the project's proof
that every stage agrees, so it gets more programs than the other property
tests: `DIFFERENTIAL_EXAMPLES` small programs (`gen.SMALL`) and
`LARGE_EXAMPLES` large ones (`gen.LARGE`: loops of 100 to 1,000
iterations, trees 8 to 12 deep) for the profile loaded.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
# (small, large) programs, by profile; docs/testing.md has what they cost
# ("Profiles and commands"). The planted-bug tests use the `ci` counts
# whatever the profile: they show what CI catches.
DIFFERENTIAL_COUNTS = {"ci": (300, 40), "dev": (30, 5), "thorough": (5000, 500)}
DIFFERENTIAL_EXAMPLES, LARGE_EXAMPLES = DIFFERENTIAL_COUNTS.get(PROFILE, (settings.default.max_examples,) * 2)

ROOT = Path(__file__).resolve().parent.parent
# shared/ sits beside the project's root (DESIGN.md); CI clones it there too.
CONFORMANCE = Path(os.environ.get("HIC_CONFORMANCE", ROOT.parent / "shared" / "conformance"))
EXAMPLES = ROOT / "examples"
