"""Variants of models.py: NeuralNetwork's forward, backward and predict.

Iris trains the network through forward, backward and update, so a network that computes the wrong
thing may lose that question too (may_lose).
"""
from autograder.audit import Variant

F = "models.py"

VARIANTS = [
    # -- forward ----------------------------------------------------------------------------------------------
    Variant("network_forward_skips_the_last_layer", F, function="NeuralNetwork.forward", loses=("model",),
            may_lose=("iris",), new='''
def forward(self, X):
    out = X
    for layer in self.layers[:-1]:
        out = layer.forward(out)
    return out
'''),
    Variant("network_forward_last_layer_first", F, function="NeuralNetwork.forward", loses=("model", "iris"), new='''
def forward(self, X):
    out = X
    for layer in reversed(self.layers):
        out = layer.forward(out)
    return out
'''),
    Variant("network_forward_returns_its_input", F, function="NeuralNetwork.forward", loses=("model",),
            may_lose=("iris",), new='''
def forward(self, X):
    out = X
    for layer in self.layers:
        layer.forward(out)
    return out
'''),
    # -- backward ---------------------------------------------------------------------------------------------
    Variant("network_backward_first_layer_first", F, function="NeuralNetwork.backward", loses=("model", "iris"), new='''
def backward(self, target, out):
    L = self.loss.forward(target, out)
    dLdY = self.loss.backward(target, out)
    for layer in self.layers:
        dLdY = layer.backward(dLdY)
    return L
'''),
    Variant("network_backward_returns_the_gradient", F, function="NeuralNetwork.backward", loses=("model",), new='''
def backward(self, target, out):
    dLdY = self.loss.backward(target, out)
    for layer in reversed(self.layers):
        dLdY = layer.backward(dLdY)
    return dLdY
'''),
    Variant("network_backward_stops_before_the_first_layer", F, function="NeuralNetwork.backward", loses=("model",),
            may_lose=("iris",), new='''
def backward(self, target, out):
    L = self.loss.forward(target, out)
    dLdY = self.loss.backward(target, out)
    for layer in reversed(self.layers[1:]):
        dLdY = layer.backward(dLdY)
    return L
'''),
    Variant("network_backward_sends_the_output_back", F, function="NeuralNetwork.backward", loses=("model",),
            may_lose=("iris",), new='''
def backward(self, target, out):
    L = self.loss.forward(target, out)
    dLdY = out
    for layer in reversed(self.layers):
        dLdY = layer.backward(dLdY)
    return L
'''),
    # -- predict ----------------------------------------------------------------------------------------------
    Variant("network_predict_returns_only_the_predictions", F, function="NeuralNetwork.predict", loses=("model",), new='''
def predict(self, X, Y):
    return self.forward(X)
'''),
    Variant("network_predict_swapped", F, function="NeuralNetwork.predict", loses=("model",), new='''
def predict(self, X, Y):
    Y_hat = self.forward(X)
    return self.backward(Y, Y_hat), Y_hat
'''),
    Variant("network_predict_cost_with_swapped_arguments", F, function="NeuralNetwork.predict", loses=("model",), new='''
def predict(self, X, Y):
    Y_hat = self.forward(X)
    return Y_hat, self.loss.forward(Y_hat, Y)
'''),
    # -- correct alternatives ---------------------------------------------------------------------------------
    Variant("alt_network_forward_reduce", F, function="NeuralNetwork.forward", new='''
def forward(self, X):
    from functools import reduce
    return reduce(lambda h, layer: layer.forward(h), self.layers, X)
'''),
    Variant("alt_network_backward_by_index", F, function="NeuralNetwork.backward", new='''
def backward(self, target, out):
    gradient = self.loss.backward(target, out)
    for i in range(len(self.layers) - 1, -1, -1):
        gradient = self.layers[i].backward(gradient)
    return self.loss(target, out)
'''),
    Variant("alt_network_predict_without_backward", F, function="NeuralNetwork.predict", new='''
def predict(self, X, Y):
    Y_hat = self.forward(X)
    return Y_hat, self.loss.forward(Y, Y_hat)
'''),
]
