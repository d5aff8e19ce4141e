"""How many cases the fuzz tests draw: 150 a test, the same ones every run (CI); ``RNNLAB_FUZZ_EXAMPLES=N`` draws
N fresh ones."""

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("RNNLAB_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES == 150, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
