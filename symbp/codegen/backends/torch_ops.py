"""The torch module's helpers: NumPy's ufunc signatures over torch calls, and the stable activations.

Copied into a torch module (from the ``# symbp: copied`` line) ahead of its
derived part, whose statements call them as ``torch_table.CALLS`` names them.
A Python number where torch wants a tensor becomes a cached 0-d tensor of the
other operand's dtype and device, so a steady-state step allocates nothing.
"""

import numpy as np
import torch

# symbp: package only
from symbp.codegen.derived_interface import DTYPE

# symbp: copied

_SCALARS: dict[tuple, torch.Tensor] = {}


def _tensor(value, like: torch.Tensor) -> torch.Tensor:
    """``value`` as a tensor: itself, or a cached 0-d tensor of ``like``'s dtype and device."""
    if isinstance(value, torch.Tensor):
        return value
    key = (float(value), like.dtype, like.device)
    scalar = _SCALARS.get(key)
    if scalar is None:
        scalar = _SCALARS[key] = torch.tensor(float(value), dtype=like.dtype, device=like.device)
    return scalar


def _pair(a, b):
    """Both operands as tensors (at least one already is)."""
    like = a if isinstance(a, torch.Tensor) else b
    return _tensor(a, like), _tensor(b, like)


def _add(a, b, out=None):
    return torch.add(*_pair(a, b), out=out)


def _subtract(a, b, out=None):
    return torch.sub(*_pair(a, b), out=out)


def _multiply(a, b, out=None):
    return torch.mul(*_pair(a, b), out=out)


def _divide(a, b, out=None):
    return torch.div(*_pair(a, b), out=out)


def _maximum(a, b, out=None):
    return torch.maximum(*_pair(a, b), out=out)


def _minimum(a, b, out=None):
    return torch.minimum(*_pair(a, b), out=out)


def _power(a, b, out=None):
    return torch.pow(*_pair(a, b), out=out)


def _greater(a, b, out=None):
    return torch.gt(*_pair(a, b), out=out)


def _greater_equal(a, b, out=None):
    return torch.ge(*_pair(a, b), out=out)


def _less(a, b, out=None):
    return torch.lt(*_pair(a, b), out=out)


def _less_equal(a, b, out=None):
    return torch.le(*_pair(a, b), out=out)


def _equal(a, b, out=None):
    return torch.eq(*_pair(a, b), out=out)


def _not_equal(a, b, out=None):
    return torch.ne(*_pair(a, b), out=out)


def _heaviside(x, middle, out=None):
    """NumPy's heaviside: 0 below 0, `middle` at 0, 1 above."""
    return torch.heaviside(x, _tensor(middle, x), out=out)


def _logaddexp(a, b, out=None):
    """log(exp(a) + exp(b)), exact for any size of either (softplus is logaddexp(0, z))."""
    return torch.logaddexp(*_pair(a, b), out=out)


def _where(condition, a, b):
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return torch.where(condition, *_pair(a, b))
    # two numbers: a tensor of the module's dtype
    return torch.full(condition.shape, float(b), dtype=DTYPE, device=condition.device).masked_fill_(
        condition, float(a)
    )


def _copyto(out, value, where=None):
    """NumPy's copyto: `out` takes `value` (where `where` holds, when given)."""
    if where is None:
        return out.copy_(value) if isinstance(value, torch.Tensor) else out.fill_(value)
    return torch.where(where, _tensor(value, out), out, out=out)


def _sum(x, axis=None):
    return x.sum() if axis is None else x.sum(dim=axis)


def _sigmoid(z, out=None):
    """1 / (1 + exp(-z)), by torch's stable kernel."""
    return torch.sigmoid(z, out=out)


def _leaky_relu(z, slope, out=None):
    """max(z, slope * z) for 0 <= slope < 1; `out` must not be `z`."""
    out = torch.mul(z, slope, out=out)
    return torch.maximum(z, out, out=out)


def _softmax(z, out=None, row=None):
    """Row-wise softmax, shifted by the row maximum so exp never overflows; `out` may be `z`."""
    if row is None:
        row = torch.empty((z.shape[0], 1), dtype=z.dtype, device=z.device)
    torch.amax(z, dim=1, keepdim=True, out=row)
    out = torch.sub(z, row, out=out)
    out.exp_()
    torch.sum(out, dim=1, keepdim=True, out=row)
    row.reciprocal_()
    return out.mul_(row)


def _log_softmax(z):
    """log(softmax(z)) by log-sum-exp: finite even where softmax underflows to 0."""
    return torch.log_softmax(z, dim=1)


def _safe_log(x):
    """log(x) for a cost, with x kept at least the smallest normal number: never log(0)."""
    return torch.log(torch.clamp_min(x, torch.finfo(x.dtype).tiny))


def _erf(x, out=None):
    return torch.erf(x, out=out)


def _to_numpy(value):
    """A tensor (on any device) or array-like as a NumPy array."""
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def _from_numpy(array, device=None):
    """A NumPy array as a tensor of its dtype on `device` (the CPU when None)."""
    return torch.from_numpy(np.ascontiguousarray(array)).to("cpu" if device is None else device)
