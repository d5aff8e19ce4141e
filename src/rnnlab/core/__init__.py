"""One time step: the chapter's cells, their named states and the generic gate.

``core`` imports torch only; nothing else of rnnlab.
"""

from rnnlab.core.cells import Cell, ElmanCell, Engines, GatedCell, GateWeights, GRUCell, LSTMCell, gate
from rnnlab.core.registry import CELL_KINDS, CELLS, CellKind, make_cell
from rnnlab.core.state import LSTMState, map_state

__all__ = [
    "Cell",
    "Engines",
    "GatedCell",
    "GateWeights",
    "ElmanCell",
    "LSTMCell",
    "GRUCell",
    "gate",
    "LSTMState",
    "map_state",
    "CELLS",
    "CELL_KINDS",
    "CellKind",
    "make_cell",
]
