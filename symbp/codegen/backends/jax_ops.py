"""The jax module's helpers: the stable activations and cost terms the derived statements call.

Copied into a jax module (from the ``# symbp: copied`` line) ahead of its derived part.
"""

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np

# symbp: copied


def _sigmoid(z):
    """1 / (1 + exp(-z)), by jax's stable form."""
    return jax.nn.sigmoid(z)


def _leaky_relu(z, slope):
    """max(z, slope * z) for 0 <= slope < 1."""
    return jnp.maximum(z, slope * z)


def _softmax(z):
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    return jax.nn.softmax(z, axis=1)


def _log_softmax(z):
    """log(softmax(z)) by log-sum-exp: finite even where softmax underflows to 0."""
    return jax.nn.log_softmax(z, axis=1)


def _safe_log(x):
    """log(x) for a cost, with x kept at least the smallest normal number: never log(0)."""
    return jnp.log(jnp.maximum(x, jnp.finfo(x.dtype).tiny))


def _erf(x):
    return jax.scipy.special.erf(x)


def _to_numpy(value):
    return np.asarray(value)


def _from_numpy(array, device=None):
    """A copy of a NumPy array as a jax array of its dtype on `device` (jax's default device when None):
    jax may alias the buffer it is given, which the caller may change."""
    return jax.device_put(np.array(array), device)
