"""A tiny neural-network library on top of autograd: modules, a loss and an optimizer."""

from nn.layers import MLP, Layer, Neuron
from nn.loss import MSELoss, mse_loss
from nn.module import Module
from nn.optim import SGD

__all__ = ["MLP", "SGD", "Layer", "MSELoss", "Module", "Neuron", "mse_loss"]
