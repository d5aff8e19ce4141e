"""Tables and plots of results; nothing here imports a model."""

from rnnlab.viz.attention import plot_attention
from rnnlab.viz.confusion import plot_confusion
from rnnlab.viz.curves import plot_curves
from rnnlab.viz.diagnostics import plot_diagnostics
from rnnlab.viz.lines import plot_lines
from rnnlab.viz.sheet import plot_sheet, plot_strips
from rnnlab.viz.tables import format_table
from rnnlab.viz.timeline import plot_timeline

__all__ = ["format_table", "plot_curves", "plot_confusion", "plot_attention", "plot_sheet", "plot_strips", "plot_timeline", "plot_diagnostics", "plot_lines"]
