"""A tiny neural-network library on top of autograd: modules, losses, optimizers and schedules."""

import autograd as _autograd

if not hasattr(_autograd, "Value"):  # another package answered `import autograd`
    raise ImportError(
        f"nn is scalar-autograd's, but `import autograd` found another package "
        f"({getattr(_autograd, '__file__', None) or 'no file'}), probably HIPS autograd (the pip "
        "package 'autograd'), which uses the same import name: install scalar-autograd and "
        "HIPS autograd in separate virtual environments"
    )

from nn.layers import MLP, Layer, Neuron
from nn.loss import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    MSELoss,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    mse_loss,
)
from nn.module import Module
from nn.optim import SGD, Adam, AdamW, CosineAnnealingLR, StepLR, clip_grad_norm_

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "BCEWithLogitsLoss",
    "CosineAnnealingLR",
    "CrossEntropyLoss",
    "HingeLoss",
    "Layer",
    "MSELoss",
    "Module",
    "Neuron",
    "StepLR",
    "binary_cross_entropy_with_logits",
    "clip_grad_norm_",
    "cross_entropy",
    "hinge_loss",
    "mse_loss",
]
