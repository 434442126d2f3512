"""A tiny neural-network library on top of autograd: modules, losses, optimizers and schedules."""

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
