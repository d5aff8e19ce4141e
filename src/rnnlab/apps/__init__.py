"""The chapter's applications, one subpackage each; siblings never import each other.

This is the registry. Adding an application is one subpackage whose
``__init__`` exports ``APP`` (a ``rnnlab.training.runner.App``) and one name
in ``REGISTRY``; the command line and the runner need no change. A
subpackage may declare a second application on the same code under another
name (``lm.CHARLM``: ``rnnlab charlm``, the language model at the character level).
"""

from __future__ import annotations

import importlib

REGISTRY = ("lm.CHARLM", "lm", "sentiment", "translate", "caption", "framelabel", "tag", "recognize")


def registered() -> list:
    """The ``App`` of every registered application (``package`` for its ``APP``, ``package.NAME`` for another),
    in the order ``rnnlab --help`` lists them."""
    apps = []
    for entry in REGISTRY:
        package, _, name = entry.partition(".")
        apps.append(getattr(importlib.import_module(f"rnnlab.apps.{package}"), name or "APP"))
    return apps
