"""Hand-written gradients for half_adder (2-2-2-2, sigmoid, half_mse): one right, the others wrong."""

import numpy as np


def _forward(params, X):
    activations = [X]
    for layer in (1, 2, 3):
        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
        activations.append(1 / (1 + np.exp(-z)))
    return activations


def _backward(params, X, T, *, transpose_dw=False, scale=True):
    activations = _forward(params, X)
    delta = (activations[3] - T) * activations[3] * (1 - activations[3])
    if scale:
        delta = delta / X.shape[0]
    grads = {}
    for layer in (3, 2, 1):
        dW = activations[layer - 1].T @ delta
        grads[f"W{layer}"] = dW.T if transpose_dw and layer == 2 else dW
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            a = activations[layer - 1]
            delta = (delta @ params[f"W{layer}"].T) * a * (1 - a)
    return grads


def correct(params, X, T):
    return _backward(params, X, T)


def transposed_dw(params, X, T):
    """dW2 transposed (W2 is square, so the shapes still fit)."""
    return _backward(params, X, T, transpose_dw=True)


def missing_mean(params, X, T):
    """Forgets the 1/N of the half_mse cost."""
    return _backward(params, X, T, scale=False)


def flipped_biases(params, X, T):
    """The biases' gradients with the wrong sign."""
    grads = _backward(params, X, T)
    return {key: -value if key.startswith("b") else value for key, value in grads.items()}


def no_derivative(params, X, T):
    """Backpropagates through a instead of a (1 - a): no single slip explains it."""
    activations = _forward(params, X)
    delta = (activations[3] - T) / X.shape[0]
    grads = {}
    for layer in (3, 2, 1):
        grads[f"W{layer}"] = activations[layer - 1].T @ delta
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            delta = (delta @ params[f"W{layer}"].T) * activations[layer - 1]
    return grads
