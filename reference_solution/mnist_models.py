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
    # BEGIN SOLUTION: return an nn.Sequential of nn.Linear, nn.ReLU (and optionally nn.Dropout) layers with at most 200 hidden units in all
    return nn.Sequential(
        nn.Linear(784, 200),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(200, 10),
    )
    # END SOLUTION


def build_cnn():
    """A small convolutional network: (B, 1, 28, 28) -> (B, 10), under 50,000 parameters."""
    # BEGIN SOLUTION: return an nn.Sequential with convolutions, at least one nn.BatchNorm2d and one nn.Dropout, under 50,000 parameters
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, 16, 14, 14)
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, 32, 7, 7)
        nn.Conv2d(32, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, 32, 3, 3)
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(32 * 3 * 3, 10),
    )
    # END SOLUTION
