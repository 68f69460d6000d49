"""Problem 4: a CNN that classifies a movement from one key frame, in PyTorch.

You write four things here:
- ``build_model``: the model, as an ``nn.Sequential`` of standard torch.nn layers, used directly
  (no subclasses, no nested nn.Sequential). The grader reads its layers, rebuilds the same model
  itself and trains it with a fixed recipe (Adam, cross-entropy on the model's outputs), so your
  code only chooses the architecture. Allowed layers: nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d,
  nn.BatchNorm2d, nn.Dropout, nn.Dropout2d, nn.ReLU, nn.LeakyReLU, nn.Flatten, nn.Linear (and a
  final nn.Softmax); at least one nn.Conv2d; fewer than 1,000,000 parameters.
- ``make_criterion``: the loss, a built-in PyTorch loss applied to the scores and the labels;
- ``per_class_accuracy`` and ``confusion_matrix``: the evaluation (problem 4(e) and 4(f)).

Run ``python train.py --data <folder of train/ and test/>`` to train and evaluate your model on
your own machine; with ``--kaggle <folder of frames>`` it also writes predictions.csv.
"""
import argparse
import time

import numpy as np
import torch
from torch import nn
from torch.utils import data

from mds189 import LABEL_MAP, Mds189, load_kaggle_frames, write_predictions


def build_model(image_size=64, num_classes=8):
    """A convolutional network for key frames: (B, 3, image_size, image_size) -> (B, num_classes) scores.

    image_size is a multiple of 8 (the grader asks for 32 and 64).
    """
    # TODO: build_model: return an nn.Sequential with at least one nn.Conv2d that maps (B, 3, image_size, image_size) to (B, num_classes).
    raise NotImplementedError('build_model: return an nn.Sequential with at least one nn.Conv2d that maps (B, 3, image_size, image_size) to (B, num_classes).')


def make_criterion():
    """The loss: called as ``criterion(scores, labels)`` with scores (B, C) and labels (B,) (int64),
    it returns the mean softmax cross-entropy over the batch, a scalar tensor."""
    # TODO: make_criterion: return a built-in PyTorch loss that computes the mean softmax cross-entropy of (scores, labels).
    raise NotImplementedError('make_criterion: return a built-in PyTorch loss that computes the mean softmax cross-entropy of (scores, labels).')


def per_class_accuracy(predicted, groundtruth, num_classes=8):
    """The accuracy on each movement's frames (problem 4(e)).

    Inputs:
    - predicted, groundtruth: sequences (numpy arrays or lists) of N class indices
    - num_classes: C; every class occurs at least once in groundtruth

    Returns accuracies, a float array of shape (C,): accuracies[c] is the fraction of the frames of
    class c (groundtruth == c) that were predicted as c.
    """
    # TODO: per_class_accuracy: compute accuracies[c], the fraction of the frames of class c predicted as c.
    raise NotImplementedError('per_class_accuracy: compute accuracies[c], the fraction of the frames of class c predicted as c.')
    return accuracies


def confusion_matrix(predicted, groundtruth, num_classes=8):
    """The confusion matrix of the predictions (problem 4(f)).

    Inputs:
    - predicted, groundtruth: sequences (numpy arrays or lists) of N class indices
    - num_classes: C

    Returns matrix, an integer array of shape (C, C): matrix[i, j] is the number of frames of class i
    (the ground truth: rows) predicted as class j (columns).
    """
    # TODO: confusion_matrix: count matrix[i, j], the frames of class i predicted as j.
    raise NotImplementedError('confusion_matrix: count matrix[i, j], the frames of class i predicted as j.')
    return matrix


def predict(model, images, batch_size=256):
    """The predicted class of each image (N, 3, H, W), in eval mode."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(images[i:i + batch_size]).argmax(1) for i in range(0, len(images), batch_size)])


def main():
    parser = argparse.ArgumentParser(description="Train and evaluate the key-frame CNN of problem 4.")
    parser.add_argument("--data", required=True, help="the folder holding train/<movement>/ and test/<movement>/")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--kaggle", help="the folder of the Kaggle frames: writes predictions.csv")
    args = parser.parse_args()

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    train_loader = data.DataLoader(Mds189(args.data, "train", args.size), batch_size=args.batch_size, shuffle=True)
    test_set = Mds189(args.data, "test", args.size)
    model = build_model(args.size, len(LABEL_MAP)).to(device)
    criterion = make_criterion()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    losses = []
    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        for images, labels in train_loader:
            loss = criterion(model(images.to(device)), labels.to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        print(f"epoch {epoch + 1}/{args.epochs}: loss {np.mean(losses[-len(train_loader):]):.4f} "
              f"({time.time() - started:.0f} s)")

    images = torch.stack([image for image, _ in test_set]).to(device)
    groundtruth = np.array([label for _, label in test_set])
    predicted = predict(model, images).cpu().numpy()
    print(f"test accuracy: {np.mean(predicted == groundtruth):.4f}")
    for movement, accuracy in zip(LABEL_MAP, per_class_accuracy(predicted, groundtruth, len(LABEL_MAP))):
        print(f"{movement:>12}: {accuracy:.3f}")
    print(confusion_matrix(predicted, groundtruth, len(LABEL_MAP)))
    if args.kaggle:
        frames = load_kaggle_frames(args.kaggle, args.size).to(device)
        write_predictions("predictions.csv", predict(model, frames).cpu().numpy())
        print("wrote predictions.csv")


if __name__ == "__main__":
    main()
