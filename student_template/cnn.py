"""A small convolutional network built from the layers of layers.py."""
import numpy as np

from layers import *
from layer_utils import *


class ThreeLayerConvNet:
    """A three-layer convolutional network.

    The architecture is

        conv - relu - 2x2 max pool - affine - relu - affine - softmax

    for minibatches of N images of shape (C, H, W). The convolution has F
    filters of size (filter_size, filter_size), stride 1 and zero padding
    (filter_size - 1) // 2, which keeps H and W for odd filter sizes; the
    pooling has stride 2.

    The learnable parameters are kept in ``self.params``:
    - W1: filters of shape (F, C, filter_size, filter_size), b1: (F,)
    - W2: hidden affine weights of shape (F * H' * W', hidden_dim), b2: (hidden_dim,),
      where (H', W') is the spatial size after pooling
    - W3: output affine weights of shape (hidden_dim, num_classes), b3: (num_classes,)
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0, dtype=np.float32):
        """
        Inputs:
        - input_dim: (C, H, W), the shape of one input image
        - num_filters: the number F of filters of the convolution
        - filter_size: the height and width of the filters
        - hidden_dim: the size of the hidden affine layer
        - num_classes: the number of classes
        - weight_scale: standard deviation of the normal distribution the weights are drawn from
        - reg: strength of the L2 regularisation of the weights
        - dtype: the numpy dtype of every parameter (float64 for numerical gradient checks)
        """
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        # TODO: ThreeLayerConvNet.__init__: initialise self.params: weights W1, W2, W3 (shapes in the class docstring) drawn from a normal distribution with mean 0 and standard deviation weight_scale, biases b1, b2, b3 zeros.
        raise NotImplementedError('ThreeLayerConvNet.__init__: initialise self.params: weights W1, W2, W3 (shapes in the class docstring) drawn from a normal distribution with mean 0 and standard deviation weight_scale, biases b1, b2, b3 zeros.')

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """The scores of a minibatch, or its loss and gradients.

        Inputs:
        - X: images of shape (N, C, H, W)
        - y: labels of shape (N,), y[i] in 0 ... C - 1, or None

        Returns:
        If y is None, the class scores of shape (N, num_classes).
        Otherwise a tuple of:
        - loss: the softmax loss of the batch plus 0.5 * reg * the sum of the squared weights
        - grads: a dictionary with the same keys as self.params
        """
        X = X.astype(self.dtype)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]

        scores = None
        # TODO: ThreeLayerConvNet.loss: forward pass conv (stride 1, pad (filter_size - 1) // 2) - relu - 2x2 max pool (stride 2) - affine - relu - affine, putting the class scores (N, num_classes) in `scores`.
        raise NotImplementedError('ThreeLayerConvNet.loss: forward pass conv (stride 1, pad (filter_size - 1) // 2) - relu - 2x2 max pool (stride 2) - affine - relu - affine, putting the class scores (N, num_classes) in `scores`.')
        if y is None:
            return scores

        loss, grads = 0.0, {}
        # TODO: ThreeLayerConvNet.loss: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights W1, W2, W3) and the gradient of every parameter into grads (the regularisation adds reg * W to the weights' gradients only).
        raise NotImplementedError("ThreeLayerConvNet.loss: compute the loss (softmax loss + 0.5 * reg * sum of the squared weights W1, W2, W3) and the gradient of every parameter into grads (the regularisation adds reg * W to the weights' gradients only).")
        return loss, grads
