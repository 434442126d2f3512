"""scalar-autograd: a small scalar autograd engine to learn backpropagation with."""

from autograd.animation import save_animation
from autograd.backprop import BackwardStep, Contribution
from autograd.compiled import CompiledMismatchError, Program, TraceError, compile_graph
from autograd.gradcheck import GradcheckError, gradcheck
from autograd.graph import topological_order
from autograd.higher import grad, hessian, hvp, jvp
from autograd.installation import warn_if_hips_autograd_is_installed
from autograd.modes import detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from autograd.render import draw_dot, save_svg, to_svg  # graphviz itself is imported lazily
from autograd.rules import LocalRule, local_rules
from autograd.stepper import save_html, show_stepper
from autograd.strings import set_language
from autograd.value import Constant, Value

__version__ = "0.1.0"

warn_if_hips_autograd_is_installed()

__all__ = [
    "BackwardStep",
    "CompiledMismatchError",
    "Constant",
    "Contribution",
    "GradcheckError",
    "LocalRule",
    "Program",
    "TraceError",
    "Value",
    "__version__",
    "compile_graph",
    "detect_anomaly",
    "draw_dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jvp",
    "local_rules",
    "no_grad",
    "save_animation",
    "save_html",
    "save_svg",
    "set_language",
    "show_stepper",
    "to_svg",
    "topological_order",
]
