"""Variants of losses.py: the cross-entropy cost and the optional L2 cost.

A wrong cross-entropy also changes the cost a NeuralNetwork's backward returns and the gradients it
sends back, so the network's questions may lose too; the vectorized question checks the loops of a
cost only once its values are right.
"""
from autograder.audit import Variant

F = "losses.py"
CE_USERS = ("model", "iris", "vectorized")

VARIANTS = [
    # -- CrossEntropy.forward -------------------------------------------------------------------------------
    Variant("ce_forward_sum_not_mean", F, function="CrossEntropy.forward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def forward(self, Y, Y_hat):
    return float(-np.sum(Y * np.log(Y_hat)))
'''),
    Variant("ce_forward_sign_error", F, function="CrossEntropy.forward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def forward(self, Y, Y_hat):
    return float(np.sum(Y * np.log(Y_hat)) / Y.shape[0])
'''),
    Variant("ce_forward_mean_over_every_entry", F, function="CrossEntropy.forward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def forward(self, Y, Y_hat):
    return float(-np.mean(Y * np.log(Y_hat)))
'''),
    Variant("ce_forward_per_example_costs", F, function="CrossEntropy.forward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def forward(self, Y, Y_hat):
    return -np.sum(Y * np.log(Y_hat), axis=1)
'''),
    Variant("ce_forward_loops_over_examples", F, function="CrossEntropy.forward", loses=("vectorized",), new='''
def forward(self, Y, Y_hat):
    total = 0.0
    for y, y_hat in zip(Y, Y_hat):
        total -= np.dot(y, np.log(y_hat))
    return total / len(Y)
'''),
    # -- CrossEntropy.backward ------------------------------------------------------------------------------
    Variant("ce_backward_without_1_over_m", F, function="CrossEntropy.backward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def backward(self, Y, Y_hat):
    return -Y / Y_hat
'''),
    Variant("ce_backward_sign_error", F, function="CrossEntropy.backward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def backward(self, Y, Y_hat):
    return Y / Y_hat / Y.shape[0]
'''),
    Variant("ce_backward_logarithm", F, function="CrossEntropy.backward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def backward(self, Y, Y_hat):
    return -Y * np.log(Y_hat) / Y.shape[0]
'''),
    Variant("ce_backward_fused_with_softmax", F, function="CrossEntropy.backward", loses=("cross_entropy",),
            may_lose=CE_USERS, new='''
def backward(self, Y, Y_hat):
    return (Y_hat - Y) / Y.shape[0]
'''),
    Variant("ce_backward_loops_over_examples", F, function="CrossEntropy.backward", loses=("vectorized",), new='''
def backward(self, Y, Y_hat):
    m = Y_hat.shape[0]
    return np.array([-y / y_hat / m for y, y_hat in zip(Y, Y_hat)])
'''),
    # -- L2 (optional) --------------------------------------------------------------------------------------
    Variant("l2_forward_sum_not_mean", F, function="L2.forward", loses=("l2",), new='''
def forward(self, Y, Y_hat):
    return float(np.sum((Y - Y_hat) ** 2))
'''),
    Variant("l2_forward_root_mean_square", F, function="L2.forward", loses=("l2",), new='''
def forward(self, Y, Y_hat):
    return float(np.sqrt(np.mean((Y - Y_hat) ** 2)))
'''),
    Variant("l2_forward_absolute_error", F, function="L2.forward", loses=("l2",), new='''
def forward(self, Y, Y_hat):
    return float(np.mean(np.abs(Y - Y_hat)))
'''),
    Variant("l2_backward_without_the_2", F, function="L2.backward", loses=("l2",), new='''
def backward(self, Y, Y_hat):
    return (Y_hat - Y) / Y.shape[0]
'''),
    Variant("l2_backward_sign_error", F, function="L2.backward", loses=("l2",), new='''
def backward(self, Y, Y_hat):
    return 2.0 * (Y - Y_hat) / Y.shape[0]
'''),
    Variant("l2_backward_without_1_over_m", F, function="L2.backward", loses=("l2",), new='''
def backward(self, Y, Y_hat):
    return 2.0 * (Y_hat - Y)
'''),
    # -- correct alternatives ---------------------------------------------------------------------------------
    Variant("alt_ce_with_an_epsilon_in_the_log", F, function="CrossEntropy.forward", new='''
def forward(self, Y, Y_hat):
    m = Y_hat.shape[0]
    return -np.sum(Y * np.log(Y_hat + 1e-10)) / m
'''),
    Variant("alt_ce_clipped_and_einsum", F, function="CrossEntropy.forward", new='''
def forward(self, Y, Y_hat):
    logs = np.log(np.clip(Y_hat, 1e-12, 1.0))
    return -np.einsum("mk,mk->", Y, logs) / len(Y)
'''),
    Variant("alt_ce_backward_clipped", F, function="CrossEntropy.backward", new='''
def backward(self, Y, Y_hat):
    return -(1.0 / Y.shape[0]) * Y / np.clip(Y_hat, 1e-12, None)
'''),
    Variant("alt_l2_mean_of_squares", F, function="L2.forward", new='''
def forward(self, Y, Y_hat):
    return np.mean(np.square(Y_hat - Y).sum(axis=1))
'''),
]
