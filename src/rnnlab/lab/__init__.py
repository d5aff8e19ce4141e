"""``rnnlab lab``: look inside trained RNNs in the browser.

``make_app(folders)`` is the web application (Starlette, the optional
``lab`` extra), ``serve`` runs it; ``Runs`` finds and loads the runs. The
pages ask each application for what they show (``App.lab``), so the models
run through the applications' own code.
"""

from rnnlab.lab.runs import LabError, Run, Runs
from rnnlab.lab.server import make_app, serve

__all__ = ["LabError", "Run", "Runs", "make_app", "serve"]
