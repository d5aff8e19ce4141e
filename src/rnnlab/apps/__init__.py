"""The chapter's applications, one subpackage each; siblings never import each other.

This is the registry. Adding an application is one subpackage whose
``__init__`` exports ``APP`` (a ``rnnlab.training.runner.App``) and one name
in ``REGISTRY``; the command line and the runner need no change.
"""

from __future__ import annotations

import importlib

REGISTRY = ("charlm", "sentiment", "translate", "caption", "framelabel", "tag", "recognize")


def registered() -> list:
    """The ``App`` of every registered application, in the order ``rnnlab --help`` lists them."""
    return [importlib.import_module(f"rnnlab.apps.{name}").APP for name in REGISTRY]
