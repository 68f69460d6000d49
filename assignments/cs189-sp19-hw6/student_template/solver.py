"""A Solver trains a classification model with minibatch gradient descent.

It works with any model that follows the assignment's model contract:
- ``model.params`` is a dictionary of numpy arrays, the learnable parameters;
- ``model.loss(X, y)`` returns the loss and a dictionary of gradients keyed
  like ``model.params``;
- ``model.loss(X)`` returns the class scores of shape (N, C).

Example (problem 2.2):

    from data_utils import load_mds189
    X_train, y_train, X_val, y_val = load_mds189(path, debug=False)
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    model = FullyConnectedNet(input_dim=75, hidden_dim=[50])
    solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-2},
                    lr_decay=0.95, num_epochs=10, batch_size=20, print_every=100, seed=0)
    solver.train()

After train(), ``model.params`` holds the parameters that reached the best
validation accuracy, and ``solver.loss_history``, ``solver.train_acc_history``
and ``solver.val_acc_history`` record the run.

This file is provided: the grader always uses its own copy.
"""
import numpy as np

import optim


class Solver:
    """Trains a model with one of the update rules of optim.py."""

    def __init__(self, model, data, **kwargs):
        """
        Required arguments:
        - model: a model with ``params`` and ``loss`` as described above
        - data: a dictionary with 'X_train' (N_train, ...), 'y_train' (N_train,),
          'X_val' (N_val, ...) and 'y_val' (N_val,)

        Optional arguments:
        - update_rule: the name of an update rule in optim.py (default 'sgd')
        - optim_config: a dictionary of hyperparameters for the update rule, such as
          'learning_rate'; each parameter gets its own copy
        - lr_decay: the learning rate is multiplied by this after each epoch (default 1.0)
        - batch_size: the size of the minibatches (default 100)
        - num_epochs: the number of epochs to train for (default 10)
        - num_train_samples: the number of training examples used to measure the
          training accuracy (default 1000; None uses all)
        - num_val_samples: the number of validation examples used to measure the
          validation accuracy (default None: all)
        - print_every: print the training loss every print_every iterations (default 10)
        - verbose: whether to print anything during training (default True)
        - seed: seed of the generator that samples the minibatches and the examples used
          to measure accuracy; a fixed seed makes training repeatable (default None)
        """
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.seed = kwargs.pop("seed", None)
        if kwargs:
            raise ValueError(f"unrecognised arguments: {', '.join(sorted(kwargs))}")

        if not hasattr(optim, self.update_rule):
            raise ValueError(f"optim.py has no update rule named {self.update_rule!r}")
        self.update_rule = getattr(optim, self.update_rule)

        self._reset()

    def _reset(self):
        """Start the book-keeping afresh (called by the constructor)."""
        self.rng = np.random.default_rng(self.seed)  # a local generator: the global one is left alone
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        # Each parameter gets its own copy of the update rule's configuration, with its own state.
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _step(self):
        """One gradient update on a minibatch sampled (with replacement) from the training data."""
        num_train = self.X_train.shape[0]
        batch = self.rng.choice(num_train, self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch], self.y_train[batch])
        self.loss_history.append(loss)

        for name, w in list(self.model.params.items()):
            next_w, next_config = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
            self.optim_configs[name] = next_config

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """The fraction of the examples the model classifies correctly.

        Inputs:
        - X: data of shape (N, d_1, ..., d_k)
        - y: labels of shape (N,)
        - num_samples: if not None and less than N, measure on that many examples sampled
          from the data
        - batch_size: the size of the batches the model scores at a time

        Returns:
        - acc: the fraction of the (sampled) examples classified correctly
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self.rng.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        y_pred = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start:start + batch_size])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.concatenate(y_pred)
        return float(np.mean(y_pred == y))

    def train(self):
        """Run the optimisation, then keep the parameters with the best validation accuracy."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()

            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:
                        config["learning_rate"] *= self.lr_decay

            # Measure the accuracies at the first and last iterations and at the end of each epoch.
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                if self.verbose:
                    print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}")

                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {name: value.copy() for name, value in self.model.params.items()}

        # Keep the best parameters, in the model's own dictionary.
        if self.best_params:
            self.model.params.update({name: value.copy() for name, value in self.best_params.items()})
