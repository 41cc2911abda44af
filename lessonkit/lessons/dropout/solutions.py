"""Solutions to lesson 2's coding exercises, printed by `q1.solution()` and `q3.solution()`.

They live here, not in the notebook, so that no renderer shows them before the learner asks.
The tests check that each passes its exercise's check and agrees with `torch.nn.Dropout`.
"""
import torch


def my_dropout(x, p, training=True, generator=None):
    if not training or p == 0:
        return x  # eval mode, or nothing to drop: every unit takes part, unscaled
    if p == 1:
        return x * 0.0  # everything dropped; avoids dividing by 1 - p = 0
    mask = (torch.rand(x.shape, generator=generator) >= p).to(x.dtype)  # 1 with probability 1 - p
    return x * mask / (1 - p)  # kept values scaled up: the expected value stays x


def my_dropout_backward(grad_output, mask, p):
    if p == 1:
        return grad_output * 0.0  # nothing was kept
    return grad_output * mask / (1 - p)  # the same mask and scale as the forward pass
