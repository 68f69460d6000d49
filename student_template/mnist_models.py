"""Small PyTorch models for MNIST, graded by their constraints and by the accuracy they reach.

Each builder returns an ``nn.Sequential``. The grader reads its layers,
rebuilds the same model itself and trains it with a fixed recipe (Adam,
learning rate 1e-3, 10 epochs, batch 32, cross-entropy on the model's
outputs); your code only chooses the architecture.

Constraints:
- build_mlp: only nn.Linear, nn.ReLU, nn.Softmax and nn.Dropout, at most 200
  hidden units in all (the outputs of every nn.Linear but the last); it takes
  (B, 784) and returns (B, 10) class scores; test accuracy >= 0.975.
- build_cnn: only nn.Linear, nn.Conv2d, nn.MaxPool2d, nn.BatchNorm2d,
  nn.Dropout, nn.ReLU, nn.Softmax and nn.Flatten, fewer than 50,000
  parameters, at least one nn.Dropout and one nn.BatchNorm2d; it takes
  (B, 1, 28, 28) and returns (B, 10); test accuracy >= 0.985.

Use the layers directly (no subclasses, no nested nn.Sequential). A final
nn.Softmax is allowed: the grader then trains the layers before it on the
logits, since cross-entropy on probabilities trains badly.
"""
from torch import nn


def build_mlp():
    """A fully connected network for flattened 28x28 images: (B, 784) -> (B, 10)."""
    # TODO: build_mlp: return an nn.Sequential of nn.Linear, nn.ReLU (and optionally nn.Dropout) layers with at most 200 hidden units in all.
    raise NotImplementedError('build_mlp: return an nn.Sequential of nn.Linear, nn.ReLU (and optionally nn.Dropout) layers with at most 200 hidden units in all.')


def build_cnn():
    """A small convolutional network: (B, 1, 28, 28) -> (B, 10), under 50,000 parameters."""
    # TODO: build_cnn: return an nn.Sequential with convolutions, at least one nn.BatchNorm2d and one nn.Dropout, under 50,000 parameters.
    raise NotImplementedError('build_cnn: return an nn.Sequential with convolutions, at least one nn.BatchNorm2d and one nn.Dropout, under 50,000 parameters.')
