"""Question 7 in PyTorch: the models of the Colab notebook, as builders the grader trains itself.

Each builder returns an ``nn.Sequential`` of torch.nn layers used directly (no
subclass, no nested nn.Sequential). The grader reads its layers, rebuilds the
same model with a fresh initialisation and trains it with a fixed recipe (Adam,
cross-entropy on the model's outputs); your code chooses the architecture.
Allowed layers: nn.Linear, nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.BatchNorm1d,
nn.BatchNorm2d, nn.Dropout, nn.Dropout2d, nn.ReLU, nn.LeakyReLU, nn.Tanh,
nn.Sigmoid, nn.GELU, nn.Flatten, and a final nn.Softmax or nn.LogSoftmax (the
grader then trains the layers before it on the logits).

- build_fashion_mlp: a fully connected network for Fashion-MNIST images given
  flattened, (B, 784) -> (B, 10) class scores; validation accuracy >= 0.82.
- build_cifar_cnn: a convolutional network for CIFAR-10, (B, 3, 32, 32) -> (B, 10);
  its predictions for the test set are also scored, as on Kaggle (predictions.csv).
"""
from torch import nn


def build_fashion_mlp():
    """An MLP for flattened 28x28 grey images: (B, 784) -> (B, 10)."""
    # TODO: build_fashion_mlp: return an nn.Sequential of nn.Linear layers with nonlinearities between them, (B, 784) -> (B, 10).
    raise NotImplementedError('build_fashion_mlp: return an nn.Sequential of nn.Linear layers with nonlinearities between them, (B, 784) -> (B, 10).')


def build_cifar_cnn():
    """A CNN for 32x32 colour images: (B, 3, 32, 32) -> (B, 10)."""
    # TODO: build_cifar_cnn: return an nn.Sequential of convolutions, pooling and a classifier, (B, 3, 32, 32) -> (B, 10).
    raise NotImplementedError('build_cifar_cnn: return an nn.Sequential of convolutions, pooling and a classifier, (B, 3, 32, 32) -> (B, 10).')
