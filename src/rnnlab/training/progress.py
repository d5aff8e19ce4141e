"""Progress of long work: tqdm's redrawn bar on a terminal (or in a notebook), plain lines anywhere else.

A bar redrawn with carriage returns makes a log file or a CI log one line of
thousands of updates; there ``progress_bar`` writes a line instead each time
the caller reports (``set_postfix``, the fit loop's log interval), or each
tenth of the work for callers that report nothing, and one at the end::

    training: 120/1,250 batch (9.6%), loss=0.532, 14.2 batch/s, 1m19s left
"""

from __future__ import annotations

import sys
import time

from tqdm.auto import tqdm


def progress_bar(total: int, desc: str, unit: str = "it", initial: int = 0, disable: bool = False,
                 leave: bool = True, file=None):
    """tqdm's bar where a person watches (a terminal or a notebook), else ``Lines``; both take ``update``,
    ``set_postfix``, ``close`` and ``with``. ``file``: where it writes (stderr); ``leave=False``: a passing
    bar (inner work), which writes no lines."""
    stream = sys.stderr if file is None else file
    watched = getattr(stream, "isatty", lambda: False)() or "ipykernel" in sys.modules
    if disable or watched or not leave:
        return tqdm(total=total, initial=initial, desc=desc, unit=unit, leave=leave, file=file,
                    disable=disable or not watched)
    return Lines(total, desc, unit, initial, stream)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Lines:
    """Plain progress lines (see the module): the count, the share done, what the caller reported, the rate
    and the time left."""

    def __init__(self, total: int, desc: str, unit: str, initial: int, stream):
        self.total, self.desc, self.unit, self.stream = total, desc, unit, stream
        self.n = self.start_n = initial
        self.postfix: dict = {}
        self.reported = False  # whether the caller reports (then lines come at its reports only)
        self.next_tenth = (initial * 10 // max(1, total) + 1) if total else None
        self.start = time.perf_counter()
        self.closed = False

    def update(self, n: int = 1) -> None:
        self.n += n
        if not self.reported and self.next_tenth is not None and self.n * 10 >= self.next_tenth * self.total \
                and self.n < self.total:
            self.next_tenth = self.n * 10 // self.total + 1
            self.write()

    def set_postfix(self, **values) -> None:
        self.postfix, self.reported = values, True
        self.write()

    def line(self, done: bool = False) -> str:
        elapsed = time.perf_counter() - self.start
        rate = (self.n - self.start_n) / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.desc}: {self.n:,}" + (f"/{self.total:,}" if self.total else "") + f" {self.unit}"
                 + (f" ({100 * self.n / self.total:.1f}%)" if self.total else "")]
        parts += [f"{key}={value}" for key, value in self.postfix.items()]
        parts.append(f"{rate:,.0f} {self.unit}/s" if rate >= 100 else f"{rate:.3g} {self.unit}/s")
        if done:
            parts.append(f"done in {_duration(elapsed)}")
        elif self.total and rate > 0:
            parts.append(f"{_duration((self.total - self.n) / rate)} left")
        return ", ".join(parts)

    def write(self, done: bool = False) -> None:
        print(self.line(done), file=self.stream, flush=True)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.n > self.start_n:
                self.write(done=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
