"""The lab's API latency on this machine, and screenshots of its pages (by hand; docs/lab.md, docs/lab/*.png).

    rnnlab charlm train --out runs/charlm        # the default models, as the README trains them
    rnnlab sentiment train --out runs/sentiment
    rnnlab translate train --out runs/translate
    rnnlab tag train --out runs/tag
    python benchmarks/bench_lab.py runs --markdown docs/lab.md --screenshots docs/lab

Starts the lab's server (uvicorn, as ``rnnlab lab`` does) on a free port and
times requests to it over HTTP, one at a time, as a page sends them: a
200-character sample from the language model and the inspection that colours
200 characters, a sentence classified with its words' influences, a
translation with a beam of 5, a sentence tagged. Reports the median and the
95th percentile of ``--requests`` requests each, after warm-up. With
``--screenshots``, loads each page in headless Chromium and saves it.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn
from machine import describe, markdown

from rnnlab.lab import Runs, make_app

SENTENCES = ["the film was not good at all", "a truly wonderful and moving story", "i expected more from the cast",
             "the plot is thin but the acting is superb", "boring , slow and far too long"]
SOURCES = ["twenty one", "forty two", "the third of march", "ninety nine", "one hundred and five"]


def start(folder: str) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app([folder]), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def timed(url: str, bodies, requests: int, warmup: int = 3) -> dict:
    times = []
    for k in range(warmup + requests):
        body = bodies(k)
        t0 = time.perf_counter()
        post(url, body)
        if k >= warmup:
            times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return {"median_ms": statistics.median(times), "p95_ms": times[max(0, round(0.95 * len(times)) - 1)],
            "requests": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", help="a folder with runs of charlm, sentiment, translate and tag")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--markdown", help="write the table to this Markdown file")
    parser.add_argument("--screenshots", help="save a PNG of each page in this folder")
    args = parser.parse_args()
    runs = {run.app: run.id for run in Runs([args.runs]).scan().values()}
    missing = {"charlm", "sentiment", "translate", "tag"} - set(runs)
    if missing:
        parser.error(f"{args.runs} has no run of {', '.join(sorted(missing))} (train them as the docstring says)")
    base, server = start(args.runs)
    act = {app: f"{base}/api/runs/{runs[app]}/act/" for app in runs}
    rng = random.Random(0)
    letters = "".join(rng.choice("etaoinshrdlu") for _ in range(200))
    rows = {
        "language model: sample 200 characters": timed(act["charlm"] + "sample", lambda k: {
            "length": 200, "seed": k, "temperature": 1.0}, args.requests),
        "language model: inspect 200 characters (a unit, top 5 each)": timed(act["charlm"] + "inspect", lambda k: {
            "text": letters, "signal": "c", "unit": k % 8}, args.requests),
        "sentiment: classify with word influences": timed(act["sentiment"] + "classify", lambda k: {
            "text": SENTENCES[k % len(SENTENCES)]}, args.requests),
        "translation: beam 5": timed(act["translate"] + "translate", lambda k: {
            "text": SOURCES[k % len(SOURCES)], "beam": 5}, args.requests),
        "tagging: a sentence": timed(act["tag"] + "tag", lambda k: {"text": SENTENCES[k % len(SENTENCES)]},
                                     args.requests),
    }
    lengths = [len(post(act["charlm"] + "sample", {"length": 200, "seed": k})["text"]) for k in range(10)]
    lines = ["| request | median ms | p95 ms |", "|---|---:|---:|"]
    lines += [f"| {name} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} |" for name, r in rows.items()]
    print("\n".join(lines))
    if args.screenshots:
        shoot(base, runs, Path(args.screenshots))
    server.should_exit = True
    if args.markdown:
        command = "python benchmarks/bench_lab.py " + " ".join(
            [args.runs] + (["--markdown", args.markdown] if args.markdown else []) +
            (["--screenshots", args.screenshots] if args.screenshots else []))
        Path(args.markdown).write_text("\n".join([
            "# rnnlab lab: API latency", "",
            f"Measured by `{command}` on {markdown(describe())}, with the default models "
            "(`rnnlab charlm|sentiment|translate|tag train`). Requests over HTTP to the lab's server, one at a time, "
            f"{args.requests} each after 3 to warm up. Target: p95 under 300 ms each.", "",
            *lines, "",
            f"The default language model is trained on words, so a sample ends at its end-of-word token: the "
            f"samples were {statistics.mean(lengths):.1f} characters on average; the inspection row reads 200 "
            f"characters.", ""]), encoding="utf-8")


READY = {"charlm": "#sample span", "sentiment": "#words span", "translate": "#attention td.w", "tag": "#tags td.tag",
         "caption": "#caption span", "framelabel": "#truth-line span", "recognize": "#path span"}


def shoot(base: str, runs: dict, folder: Path) -> None:
    """A PNG of the runs page and of each application's page that has a run."""
    import shutil

    from playwright.sync_api import sync_playwright
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 760})
        page.goto(base + "/")
        page.wait_for_selector("#runs tr.run")
        page.screenshot(path=str(folder / "runs.png"))
        for app, ready in READY.items():
            if app not in runs:
                continue
            page.goto(f"{base}/#/run/{runs[app]}")
            page.wait_for_selector(ready)
            page.evaluate("document.getElementById('panel').scrollIntoView()")  # the model's part of the page
            hover = {"charlm": "#sample span >> nth=2", "translate": "#attention tr.target >> nth=0 >> th",
                     "caption": "#caption span >> nth=1", "framelabel": "#predicted-line span >> nth=5"}.get(app)
            if hover:
                page.hover(hover)
            page.screenshot(path=str(folder / f"{app}.png"))
            print(f"{folder / app}.png")
        browser.close()


if __name__ == "__main__":
    main()
