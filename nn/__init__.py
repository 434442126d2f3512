"""A tiny neural-network library on top of autograd: modules, losses, optimizers and schedules."""

from nn.layers import MLP, Layer, Neuron
from nn.loss import MSELoss, mse_loss
from nn.module import Module
from nn.optim import SGD, Adam, AdamW, CosineAnnealingLR, StepLR, clip_grad_norm_

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "Layer",
    "MSELoss",
    "Module",
    "Neuron",
    "StepLR",
    "clip_grad_norm_",
    "mse_loss",
]
