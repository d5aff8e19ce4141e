"""``rnnlab lab``'s web server: the page, its scripts, and the JSON API the page (and the tests) call.

    GET  /                                   the page (everything it loads is in ``static/``: no CDN)
    GET  /api/runs                           every run: app, data, headline metric, whether it finished
    GET  /api/runs/{run}                     one run: config, test metrics, files
    GET  /api/runs/{run}/metrics?since=N     metrics.jsonl records after line N, and the next N
    GET  /api/runs/{run}/files/{name}        a file of the run (PNG, JSON, ...), nothing outside its folder
    POST /api/runs/{run}/act/{action}        a JSON object of parameters -> the application's answer

Errors come back as ``{"error": message}`` with a 4xx status; anything
unexpected as a 500 with its kind, logged, never a stack trace.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from importlib import resources
from pathlib import Path

from rnnlab.lab.runs import SERVED, LabError, Runs

log = logging.getLogger(__name__)
STATIC = Path(str(resources.files("rnnlab.lab") / "static"))
MAX_BODY = 6 << 20  # bytes of a request's JSON (a picture of 4 MB, sent as base64, fits)


def need_starlette() -> None:
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        raise OSError("rnnlab lab needs the lab extra: pip install -c constraints.txt -e \".[lab]\"")


def make_app(folders: list[str | Path]):
    """The ASGI application over the runs in ``folders``."""
    need_starlette()
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    runs = Runs(folders)

    def index(request: Request):
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    def list_runs(request: Request):
        return JSONResponse({"folders": [str(f) for f in runs.folders],
                             "runs": [run.info() for run in runs.scan().values()]})

    def one_run(request: Request):
        run = runs.get(request.path_params["run"])
        return JSONResponse({**run.info(), "actions": list(runs.apps[run.app].lab)})

    def metrics(request: Request):
        try:
            since = max(0, int(request.query_params.get("since", "0")))
        except ValueError:
            raise LabError("since must be a whole number of lines") from None
        records, upto = runs.get(request.path_params["run"]).records(since)
        return JSONResponse({"records": records, "next": upto})

    def run_file(request: Request):
        path = runs.get(request.path_params["run"]).file(request.path_params["name"])
        return FileResponse(path, media_type=SERVED[path.suffix])

    async def act(request: Request):
        declared = request.headers.get("content-length", "0")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
            raise LabError(f"the request is {int(declared):,} bytes; at most {MAX_BODY:,}", 413)
        body = b""
        async for chunk in request.stream():  # read no further than the limit, whatever the header said
            body += chunk
            if len(body) > MAX_BODY:
                raise LabError(f"the request is over {MAX_BODY:,} bytes", 413)
        try:
            params = json.loads(body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LabError("the request body is not JSON") from None
        from starlette.concurrency import run_in_threadpool  # the model's work off the event loop
        answer = await run_in_threadpool(runs.act, request.path_params["run"], request.path_params["action"],
                                         params)
        return JSONResponse(answer)

    async def lab_error(request: Request, error: LabError):
        return JSONResponse({"error": str(error)}, status_code=error.status)

    async def unexpected(request: Request, error: Exception):
        log.exception("rnnlab lab: %s %s", request.method, request.url.path)
        return JSONResponse({"error": f"the lab failed on this request ({type(error).__name__}); "
                                      f"the server's log has the details"}, status_code=500)

    return Starlette(routes=[
        Route("/", index),
        Route("/api/runs", list_runs),
        Route("/api/runs/{run}", one_run),
        Route("/api/runs/{run}/metrics", metrics),
        Route("/api/runs/{run}/files/{name}", run_file),
        Route("/api/runs/{run}/act/{action}", act, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], exception_handlers={LabError: lab_error, Exception: unexpected})


def serve(folders: list[str | Path], host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the lab until interrupted."""
    need_starlette()
    import uvicorn
    missing = [str(f) for f in folders if not Path(f).is_dir()]
    if missing:
        raise OSError(f"no such folder: {', '.join(missing)} (give run folders, or folders of runs such as runs/)")
    print(f"rnnlab lab: http://{host}:{port}/ over {', '.join(map(str, folders))} (Ctrl-C stops)")
    uvicorn.run(make_app(folders), host=host, port=port, log_level="warning")
