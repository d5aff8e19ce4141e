"""A short tour of the cells: each equals torch where torch has it, and each learns."""

from rnnlab.apps.demo.run import DemoConfig, DemoResult, report, run

__all__ = ["DemoConfig", "DemoResult", "run", "report"]
