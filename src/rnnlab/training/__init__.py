"""Training mechanics, each in one named place."""

from rnnlab.training.devices import resolve_device

__all__ = ["resolve_device"]
