"""The lab's JSON API, called through the web framework's test client on runs the tests train."""

import base64
import io
import json
import shutil
import threading

import pytest

from PIL import Image

pytest.importorskip("starlette")
pytest.importorskip("httpx2")
from starlette.testclient import TestClient  # noqa: E402

from rnnlab.lab import make_app  # noqa: E402
from rnnlab.lab.runs import Run  # noqa: E402


@pytest.fixture()
def client(runs_folder):
    return TestClient(make_app([runs_folder]), raise_server_exceptions=False)


def test_lists_runs_with_their_app_data_and_headline(client):
    runs = {r["id"]: r for r in client.get("/api/runs").json()["runs"]}
    assert set(runs) == {"lm", "sent", "mt", "pos", "ocr", "clips", "pics"}
    assert runs["lm"]["app"] == "charlm" and runs["lm"]["headline"][0] == "bits_per_char" and runs["lm"]["finished"]
    assert runs["sent"]["headline"][0] == "accuracy" and 0 <= runs["sent"]["headline"][1] <= 1
    assert "curves.png" in runs["sent"]["files"] and not any(f.endswith(".safetensors") for f in runs["sent"]["files"])
    detail = client.get("/api/runs/sent").json()
    assert detail["actions"] == ["classify"] and detail["config"]["hidden_size"] == 8
    page = client.get("/")
    assert page.status_code == 200 and "/static/lab.js" in page.text and "http" not in page.text.replace(
        'name="viewport"', "")  # nothing from another site
    assert client.get("/static/lab.js").status_code == 200


def test_metrics_arrive_as_the_run_writes_them(client, runs_folder, tmp_path):
    live = tmp_path / "live"
    shutil.copytree(runs_folder / "lm", live)
    client = TestClient(make_app([live]))
    first = client.get("/api/runs/live/metrics").json()
    assert first["records"] and all("step" in r for r in first["records"])
    with open(live / "metrics.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"split": "train", "step": 99999, "loss": 0.5}) + "\n" + '{"split": "tra')  # half a line
    more = client.get(f"/api/runs/live/metrics?since={first['next']}").json()
    assert [r["step"] for r in more["records"]] == [99999] and more["next"] == first["next"] + 1
    assert client.get("/api/runs/live/metrics?since=x").status_code == 400


def test_serves_the_runs_files_and_nothing_else(client, runs_folder):
    png = client.get("/api/runs/sent/files/curves.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    for name in ("..%2F..%2Fetc%2Fpasswd", "%2E%2E", "%2Fetc%2Fpasswd", "best.safetensors", "missing.png",
                 "..%2Flm%2Fcurves.png"):
        answer = client.get(f"/api/runs/sent/files/{name}")
        assert answer.status_code == 404, name
    (runs_folder / "sent" / "escape.png").symlink_to(runs_folder / "lm" / "curves.png")
    try:
        assert client.get("/api/runs/sent/files/escape.png").status_code == 404  # a link out of the folder
    finally:
        (runs_folder / "sent" / "escape.png").unlink()


def test_language_model_samples_and_shows_a_unit(client):
    text = client.post("/api/runs/lm/act/sample", json={"prefix": "ca", "temperature": 0.9, "seed": 3}).json()["text"]
    assert text.startswith("ca") and len(text) > 2
    again = client.post("/api/runs/lm/act/sample", json={"prefix": "ca", "temperature": 0.9, "seed": 3}).json()
    assert again["text"] == text  # the seed decides
    seen = client.post("/api/runs/lm/act/inspect", json={"text": text, "signal": "c", "unit": 5}).json()
    assert seen["chars"] == list(text) and len(seen["values"]) == len(text) and seen["units"] == 32
    assert seen["signals"] == ["h", "c", "i", "f", "o"]
    assert all(len(top) == 5 and abs(sum(p for _, p in top)) <= 1.0001 for top in seen["top"])
    f_gate = client.post("/api/runs/lm/act/inspect", json={"text": text, "signal": "f", "unit": 5}).json()
    assert all(0 < v < 1 for v in f_gate["values"]) and f_gate["values"] != seen["values"]


def test_sentiment_gives_probabilities_influences_and_the_pooled_vector(client):
    r = client.post("/api/runs/sent/act/classify", json={"text": "The film was not good, zzyzx!"}).json()
    assert abs(sum(r["probs"].values()) - 1) < 1e-5 and r["label"] == max(r["probs"], key=r["probs"].get)
    assert [w["word"] for w in r["words"]] == ["the", "film", "was", "not", "good", ",", "zzyzx", "!"]
    assert [w["known"] for w in r["words"]][6] is False
    assert r["words"][6]["influence"] == pytest.approx(0.0, abs=1e-6)  # <unk> replaced by <unk>
    assert len(r["pooled"]) > 0


def test_translation_gives_the_n_best_and_the_attention(client):
    r = client.post("/api/runs/mt/act/translate", json={"text": "twenty one", "beam": 4, "n_best": 3}).json()
    assert len(r["outputs"]) == 3 and r["scores"] == sorted(r["scores"], reverse=True)
    assert r["source"] == ["twenty", "one"]
    words = len(r["outputs"][0].split())
    assert len(r["attention"]) in (words, words + 1)  # a row for each word, and for <eos> when it came
    assert all(len(row) == 2 and abs(sum(row) - 1) < 1e-3 for row in r["attention"])


def test_tagging_gives_each_word_its_likeliest_tags(client):
    r = client.post("/api/runs/pos/act/tag", json={"text": "The dog runs"}).json()
    assert [w["word"] for w in r["words"]] == ["the", "dog", "runs"]
    assert all(1 <= len(w["tags"]) <= 3 and w["tags"][0][1] >= w["tags"][-1][1] for w in r["words"])


def test_recognition_shows_a_test_input_with_its_best_path(client):
    r = client.post("/api/runs/ocr/act/example", json={"index": 3}).json()
    assert r["count"] == 12 and r["index"] == 3 and r["truth"] and r["picture"].startswith("data:image/png;base64,")
    collapsed = [s for k, s in enumerate(r["path"]) if s and (k == 0 or r["path"][k - 1] != s)]
    assert "".join(collapsed) == r["transcript"]  # the transcript is the path with repeats merged, blanks dropped
    assert len(r["probs"]) == len(r["path"]) and r["stride"] * len(r["path"]) == pytest.approx(r["columns"])


def test_frame_labelling_shows_a_clip_with_both_timelines(client):
    r = client.post("/api/runs/clips/act/clip", json={"index": 4}).json()
    assert r["count"] == 5 and len(r["truth"]) == len(r["predicted"]) == len(r["probs"]) == len(r["frames"])
    assert 16 <= len(r["truth"]) <= 24 and all(abs(sum(p) - 1) < 0.01 for p in r["probs"])
    assert r["predicted"] == [max(range(len(p)), key=p.__getitem__) for p in r["probs"]]


def picture_url(kind="PNG", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return f"data:image/{kind.lower()};base64," + base64.b64encode(buffer.getvalue()).decode()


def test_captioning_a_test_picture_and_an_upload_with_attention(client):
    r = client.post("/api/runs/pics/act/caption", json={"index": 2}).json()
    assert r["count"] == 6 and r["references"] and r["picture"].startswith("data:image/png;base64,")
    assert len(r["attention"]) >= len(r["words"]) and all(
        abs(sum(map(sum, grid)) - 1) < 1e-3 for grid in r["attention"])  # one weight a cell of the map
    up = client.post("/api/runs/pics/act/caption", json={"image": picture_url("JPEG")}).json()
    assert "count" in up, up
    assert up["count"] is None and up["references"] == [] and isinstance(up["words"], list)


@pytest.mark.parametrize(("image", "says"), [
    ("data:text/plain;base64,aGk=", "must be a picture sent as a data:image"),
    ("data:image/png;base64,@@@", "not valid base64"),
    ("data:image/png;base64," + base64.b64encode(b"not a picture").decode(), "is not an image Pillow can read"),
    ("data:image/tiff;base64," + picture_url("TIFF").split(",")[1], "the upload is TIFF"),
    ("data:image/png;base64," + base64.b64encode(b"x" * (4 << 20 | 1)).decode(), "pictures of at most 4,194,304"),
])
def test_uploads_are_checked(client, image, says):
    answer = client.post("/api/runs/pics/act/caption", json={"image": image})
    assert answer.status_code == 400 and says in answer.json()["error"]


@pytest.mark.parametrize(("path", "body", "status", "says"), [
    ("/api/runs/ocr/act/example", {"index": 12}, 400, "index must be in [0, 11]"),
    ("/api/runs/clips/act/clip", {"index": -1}, 400, "index must be in [0, 4]"),
    ("/api/runs/mt/act/translate", {"text": " ", "beam": 2}, 400, "text 1 is empty"),
    ("/api/runs/nope/act/classify", {"text": "good"}, 404, "no run 'nope'"),
    ("/api/runs/sent/act/sample", {}, 404, "no action 'sample' (its actions: classify)"),
    ("/api/runs/sent/act/classify", {"text": "  "}, 400, "the text has no words"),
    ("/api/runs/lm/act/inspect", {"text": "abc", "signal": "q"}, 400, "signal must be one of h, c, i, f, o"),
    ("/api/runs/lm/act/inspect", {"text": "ab€"}, 400, "characters the model never saw"),
    ("/api/runs/lm/act/inspect", {"text": "abc", "unit": 999}, 400, "unit must be in [0, 31]"),
    ("/api/runs/lm/act/sample", {"temperature": "hot"}, 400, "could not convert"),
    ("/api/runs/lm/act/sample", [1, 2], 400, "must be a JSON object"),
])
def test_bad_requests_get_one_clear_message(client, path, body, status, says):
    answer = client.post(path, json=body)
    assert answer.status_code == status and says in answer.json()["error"]
    assert "Traceback" not in answer.text


def test_bodies_that_are_not_json_or_too_large(client):
    assert client.post("/api/runs/sent/act/classify", content=b"{not json").json()["error"] == \
        "the request body is not JSON"
    huge = client.post("/api/runs/sent/act/classify", content=b"x" * (7 << 20))
    assert huge.status_code == 413


def test_a_broken_run_gives_a_message_not_a_stack_trace(runs_folder, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(runs_folder / "sent", broken)
    (broken / "best.safetensors").write_bytes(b"truncated")
    client = TestClient(make_app([tmp_path]), raise_server_exceptions=False)
    answer = client.post("/api/runs/broken/act/classify", json={"text": "good"})
    assert answer.status_code == 409 and "truncated or corrupted" in answer.json()["error"]
    assert [r["id"] for r in client.get("/api/runs").json()["runs"]] == ["broken"]  # still listed


def test_concurrent_requests_share_one_model(client, monkeypatch):
    loads = []
    original = Run.trained

    def counting(self, app):
        trained = original(self, app)
        loads.append(id(trained))
        return trained
    monkeypatch.setattr(Run, "trained", counting)
    answers, errors = [], []

    def ask(k):
        try:
            answers.append(client.post("/api/runs/sent/act/classify", json={"text": "a good film"}).json())
        except Exception as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)
    threads = [threading.Thread(target=ask, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(answers) == 8 and all(a == answers[0] for a in answers)
    assert len(set(loads)) == 1


def test_the_command_refuses_a_missing_folder(tmp_path, capsys):
    from rnnlab.cli.main import main
    assert main(["lab", str(tmp_path / "nowhere")]) == 2
    assert f"rnnlab lab: error: no such folder: {tmp_path / 'nowhere'}" in capsys.readouterr().err


def test_an_empty_folder_lists_no_runs(tmp_path):
    answer = TestClient(make_app([tmp_path])).get("/api/runs").json()
    assert answer == {"folders": [str(tmp_path)], "runs": []}
