"""Learning-rate schedulers against their closed forms."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import optim
from autograd_core.optim import lr_scheduler as S


def make_opt(lrs=(0.1, 0.3)):
    return optim.SGD([{"params": [ac.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs], lr=1.0)


def schedule(sched, opt, epochs):
    """Learning rates seen by ``opt`` during each epoch (what get_last_lr reports)."""
    out = []
    for _ in range(epochs):
        out.append(sched.get_last_lr())
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        opt.step()
        sched.step()
    return out


def test_step_lr_closed_form():
    opt = make_opt()
    got = schedule(S.StepLR(opt, step_size=3, gamma=0.5), opt, 12)
    for e, lrs in enumerate(got):
        assert lrs == pytest.approx([b * 0.5 ** (e // 3) for b in (0.1, 0.3)], rel=1e-15)


def test_exponential_lr_closed_form():
    opt = make_opt()
    got = schedule(S.ExponentialLR(opt, gamma=0.9), opt, 20)
    for e, lrs in enumerate(got):
        assert lrs == pytest.approx([b * 0.9**e for b in (0.1, 0.3)], rel=1e-12)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_closed_form_including_past_t_max(eta_min):
    opt = make_opt()
    T = 7
    got = schedule(S.CosineAnnealingLR(opt, T_max=T, eta_min=eta_min), opt, 3 * T + 2)
    for e, lrs in enumerate(got):
        expected = [eta_min + (b - eta_min) * (1 + math.cos(math.pi * e / T)) / 2 for b in (0.1, 0.3)]
        assert lrs == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert got[T] == pytest.approx([eta_min, eta_min], abs=1e-12)
    assert got[2 * T] == pytest.approx([0.1, 0.3])


def test_lambda_lr_per_group():
    opt = make_opt()
    sched = S.LambdaLR(opt, [lambda e: 1 / (1 + e), lambda e: 0.5**e])
    for e, lrs in enumerate(schedule(sched, opt, 6)):
        assert lrs == pytest.approx([0.1 / (1 + e), 0.3 * 0.5**e], rel=1e-15)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        S.LambdaLR(make_opt(), [lambda e: 1.0])


def test_step_with_epoch_uses_closed_form():
    opt = make_opt()
    sched = S.StepLR(opt, step_size=2, gamma=0.1)
    sched.step(5)
    assert sched.last_epoch == 5
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.01, 0.3 * 0.01])


def test_scheduler_drives_the_optimizer_step_size():
    p = ac.tensor(np.array([0.0]), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = S.ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        p.grad = ac.tensor(np.array([1.0]))
        opt.step()
        sched.step()
    assert p.data[0] == pytest.approx(-(1 + 0.5 + 0.25))


@pytest.mark.parametrize(
    "make",
    [
        lambda o: S.StepLR(o, step_size=2, gamma=0.5),
        lambda o: S.ExponentialLR(o, gamma=0.8),
        lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
        lambda o: S.LambdaLR(o, lambda e: 0.9**e),
    ],
)
def test_state_dict_round_trip(make):
    opt1 = make_opt()
    s1 = make(opt1)
    for _ in range(4):
        opt1.step()
        s1.step()
    sd = s1.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 4

    opt2 = make_opt()
    opt2.load_state_dict(opt1.state_dict())
    s2 = make(opt2)
    s2.load_state_dict(sd)
    assert s2.get_last_lr() == s1.get_last_lr()
    for _ in range(6):
        opt1.step(), s1.step(), opt2.step(), s2.step()
        assert s2.get_last_lr() == s1.get_last_lr()


def test_lambda_lr_state_dict_keeps_callable_objects_state():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, e):
            return min(1.0, (e + 1) / self.n)

    opt = make_opt((0.1,))
    sched = S.LambdaLR(opt, Warmup(4))
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 4}]
    other = S.LambdaLR(make_opt((0.1,)), Warmup(10))
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].n == 4
    assert S.LambdaLR(make_opt((0.1,)), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]


def test_initial_lr_and_resuming():
    opt = make_opt()
    S.StepLR(opt, step_size=1, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.3]
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(make_opt(), step_size=1, last_epoch=3)


def test_bad_arguments():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        S.StepLR(make_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        S.CosineAnnealingLR(make_opt(), T_max=0)
    with pytest.raises(TypeError, match="callable"):
        S.LambdaLR(make_opt((0.1,)), 0.5)
