"""Every action of the lab's pages, fed random JSON (Infinity and NaN too): an answer or one clear 400 message,
never a 500."""

import json

import pytest
from fuzzing import FUZZ
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("starlette")
pytest.importorskip("httpx2")
from starlette.testclient import TestClient  # noqa: E402

from rnnlab.lab import make_app  # noqa: E402

ACTIONS = {("lm", "sample"): ["prefix", "temperature", "top_k", "top_p", "length", "seed", "n"],
           ("lm", "inspect"): ["text", "signal", "unit"],
           ("sent", "classify"): ["text"],
           ("mt", "translate"): ["text", "beam", "n_best", "alpha"],
           ("pos", "tag"): ["text"],
           ("ocr", "example"): ["index"],
           ("clips", "clip"): ["index"],
           ("pics", "caption"): ["index", "image", "beam"]}
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 12, 10 ** 12), st.floats(allow_nan=True),
                   st.text(max_size=60), st.lists(st.integers(), max_size=3),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                   st.sampled_from(["", " ", "0", "-1", "1e309", "nan", "h", "c", "twenty-one", "data:image/png;base64,"
                                    "iVBORw0KGgo=", "a" * 5000]))


@pytest.fixture(scope="module")
def client(runs_folder):
    return TestClient(make_app([runs_folder]), raise_server_exceptions=False)


@pytest.mark.parametrize("run,action", list(ACTIONS), ids=[f"{r}-{a}" for r, a in ACTIONS])
def test_random_parameters_get_an_answer_or_a_clear_message(client, run, action):
    @FUZZ
    @given(st.dictionaries(st.sampled_from(ACTIONS[run, action] + ["other"]), VALUES, max_size=4))
    def fuzz(params):
        body = json.dumps(params).encode()  # Infinity and NaN too, which Python's JSON reads
        answer = client.post(f"/api/runs/{run}/act/{action}", content=body,
                             headers={"content-type": "application/json"})
        assert answer.status_code in (200, 400), (params, answer.status_code, answer.text[:300])
        if answer.status_code == 400:
            assert answer.json()["error"] and "Traceback" not in answer.text

    fuzz()
