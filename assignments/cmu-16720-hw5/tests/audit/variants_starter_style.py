"""A whole nn.py written by hand as the public 16-720 starter leads a student to write it: must get full marks.

Different in style from the reference throughout: the starter's skeleton (``W, b = None, None``,
``res = None``), np.dot and .T instead of @, Counter-like ``params.get`` for the accumulators, the
'_' rule of run_q5.py to find the parameters, in-place updates of params' arrays (a write the API
allows: momentum_update is declared to write params), loops where a student would loop, and
skimage's PSNR formula. Graded as a submission, it must earn every point with no "changed in
place" note, since each of its writes into params is declared in autograder.yml.
"""
from autograder.audit import Variant

STARTER_STYLE_NN = '''import numpy as np
from util import *
# do not include any more libraries here!
# do not put any code outside of functions!

AUTOENCODER_LAYERS = ("layer1", "hidden", "hidden2", "output")


# Q 2.1.2
# initialize b to 0 vector
# b should be a 1D array, not a 2D array with a singleton dimension
# we will do XW + b.
# X be [Examples, Dimensions]
def initialize_weights(in_size, out_size, params, name=''):
    W, b = None, None
    low = -np.sqrt(6) / np.sqrt(in_size + out_size)
    high = np.sqrt(6) / np.sqrt(in_size + out_size)
    W = np.random.uniform(low, high, (in_size, out_size))
    b = np.zeros(out_size)

    params['W' + name] = W
    params['b' + name] = b


# Q 2.2.1
# x is a matrix
# a sigmoid activation function
def sigmoid(x):
    res = None
    res = 1 / (1 + np.exp(-x))
    return res


def forward(X, params, name='', activation=sigmoid):
    pre_act, post_act = None, None
    # get the layer parameters
    W = params['W' + name]
    b = params['b' + name]

    pre_act = np.dot(X, W) + b
    post_act = activation(pre_act)

    # store the pre-activation and post-activation values
    # these will be important in backprop
    params['cache_' + name] = (X, pre_act, post_act)

    return post_act


# Q 2.2.2
# x is [examples,classes]
# softmax should be done for each row
def softmax(x):
    res = None
    c = -np.max(x, axis=1).reshape(-1, 1)
    num = np.exp(x + c)
    den = np.sum(num, axis=1).reshape(-1, 1)
    res = num / den
    return res


# Q 2.2.3
# compute total loss and accuracy
# y is size [examples,classes]
# probs is size [examples,classes]
def compute_loss_and_acc(y, probs):
    loss, acc = None, None
    loss = -np.sum(y * np.log(probs))
    correct = 0
    for i in range(y.shape[0]):
        if np.argmax(y[i]) == np.argmax(probs[i]):
            correct += 1
    acc = correct / y.shape[0]
    return loss, acc


# we give this to you
# because you proved it
# it's a function of post_act
def sigmoid_deriv(post_act):
    res = post_act * (1.0 - post_act)
    return res


def backwards(delta, params, name='', activation_deriv=sigmoid_deriv):
    grad_X, grad_W, grad_b = None, None, None
    # everything you may need for this layer
    W = params['W' + name]
    b = params['b' + name]
    X, pre_act, post_act = params['cache_' + name]

    # do the derivative through activation first
    # then compute the derivative W, b, and X
    d = delta * activation_deriv(post_act)
    grad_W = np.dot(X.T, d)
    grad_b = np.ones(d.shape[0]).dot(d)
    grad_X = np.dot(d, W.T)

    # store the gradients
    params['grad_W' + name] = grad_W
    params['grad_b' + name] = grad_b
    return grad_X


# Q 2.4
# split x and y into random batches
# return a list of [(batch1_x,batch1_y)...]
def get_random_batches(x, y, batch_size):
    batches = []
    num_x = x.shape[0]
    index = np.random.choice(num_x, num_x, replace=False)
    num_batches = int(np.ceil(num_x / batch_size))
    for i in range(num_batches):
        chosen = index[i * batch_size:(i + 1) * batch_size]
        batches.append((x[chosen, :], y[chosen, :]))
    return batches


# Q 2.5
def numerical_gradients(x, y, params, eps=1e-6):
    names = [k for k, v in params.items() if '_' not in k]
    for k in names:
        v = params[k]
        grad = np.zeros(v.shape)
        flat_v, flat_grad = v.reshape(-1), grad.reshape(-1)
        for i in range(flat_v.size):
            keep = flat_v[i]
            flat_v[i] = keep + eps
            h1 = forward(x, params, 'layer1')
            loss_plus, _ = compute_loss_and_acc(y, forward(h1, params, 'output', softmax))
            flat_v[i] = keep - eps
            h1 = forward(x, params, 'layer1')
            loss_minus, _ = compute_loss_and_acc(y, forward(h1, params, 'output', softmax))
            flat_v[i] = keep
            flat_grad[i] = (loss_plus - loss_minus) / (2 * eps)
        params['grad_' + k] = grad


# Q 5.1.1
def initialize_autoencoder(in_size, hidden_size, params):
    initialize_weights(in_size, hidden_size, params, 'layer1')
    initialize_weights(hidden_size, hidden_size, params, 'hidden')
    initialize_weights(hidden_size, hidden_size, params, 'hidden2')
    initialize_weights(hidden_size, in_size, params, 'output')


def autoencoder_forward(X, params):
    h1 = forward(X, params, 'layer1', relu)
    h2 = forward(h1, params, 'hidden', relu)
    h3 = forward(h2, params, 'hidden2', relu)
    out = forward(h3, params, 'output', sigmoid)
    return out


def autoencoder_backwards(X, out, params):
    # delta is the d/dx of (x-y)^2
    delta1 = -2 * (X - out)
    delta2 = backwards(delta1, params, 'output', sigmoid_deriv)
    delta3 = backwards(delta2, params, 'hidden2', relu_deriv)
    delta4 = backwards(delta3, params, 'hidden', relu_deriv)
    backwards(delta4, params, 'layer1', relu_deriv)


# Q 5.1.2
def momentum_update(params, learning_rate, momentum=0.9):
    for k in list(params.keys()):
        if '_' in k:
            continue
        params['m_' + k] = momentum * params.get('m_' + k, 0) - learning_rate * params['grad_' + k]
        params[k] += params['m_' + k]


# Q 5.3.2
def psnr(original, reconstructed, max_value=1.0):
    original = original.astype(np.float64)
    reconstructed = reconstructed.astype(np.float64)
    err = np.mean(np.square(original - reconstructed))
    return 10 * np.log10((max_value ** 2) / err)
'''

VARIANTS = [
    Variant("whole_nn_written_as_the_starter_leads", "nn.py", new=STARTER_STYLE_NN),
]
