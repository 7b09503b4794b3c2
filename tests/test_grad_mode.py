"""Grad mode (API §3): no_grad / enable_grad / set_grad_enabled / is_grad_enabled,
as context managers and decorators, thread- and task-local."""

import asyncio
import threading

import numpy as np
import pytest

import autograd_core as ac


def leaf():
    return ac.tensor([1.0, 2.0], requires_grad=True)


def test_default_is_enabled():
    assert ac.is_grad_enabled()


def test_no_grad_context_stops_recording_and_restores():
    x = leaf()
    with ac.no_grad():
        assert not ac.is_grad_enabled()
        y = x * 2.0
        z = ac.exp(x)
    assert ac.is_grad_enabled()
    for t in (y, z):
        assert not t.requires_grad and t.grad_fn is None and t.is_leaf
    assert (x * 2.0).requires_grad


def test_no_grad_restores_after_exception():
    with pytest.raises(KeyError):
        with ac.no_grad():
            raise KeyError
    assert ac.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf()
    with ac.no_grad():
        with ac.enable_grad():
            assert ac.is_grad_enabled()
            y = x * 2.0
        assert not ac.is_grad_enabled()
    assert y.requires_grad and y.grad_fn is not None


def test_nested_no_grad():
    with ac.no_grad():
        with ac.no_grad():
            assert not ac.is_grad_enabled()
        assert not ac.is_grad_enabled()
    assert ac.is_grad_enabled()


def test_no_grad_as_decorator():
    x = leaf()

    @ac.no_grad()
    def f(t):
        assert not ac.is_grad_enabled()
        return t * 2.0

    y = f(x)
    assert not y.requires_grad
    assert ac.is_grad_enabled()
    assert f.__name__ == "f"  # functools.wraps


def test_no_grad_decorator_is_reusable_and_restores_on_error():
    @ac.no_grad()
    def boom():
        raise ValueError("x")

    for _ in range(2):
        with pytest.raises(ValueError):
            boom()
        assert ac.is_grad_enabled()


def test_enable_grad_as_decorator():
    x = leaf()

    @ac.enable_grad()
    def f(t):
        return t * 2.0

    with ac.no_grad():
        y = f(x)
    assert y.requires_grad


def test_set_grad_enabled_as_context_manager():
    x = leaf()
    with ac.set_grad_enabled(False):
        assert not ac.is_grad_enabled()
        assert not (x * 2.0).requires_grad
        with ac.set_grad_enabled(True):
            assert (x * 2.0).requires_grad
        assert not ac.is_grad_enabled()
    assert ac.is_grad_enabled()


def test_set_grad_enabled_as_function_call():
    try:
        ac.set_grad_enabled(False)
        assert not ac.is_grad_enabled()
        ac.set_grad_enabled(True)
        assert ac.is_grad_enabled()
    finally:
        ac.set_grad_enabled(True)


def test_set_grad_enabled_as_decorator():
    @ac.set_grad_enabled(False)
    def f():
        return ac.is_grad_enabled()

    assert ac.is_grad_enabled()  # decorating does not switch the mode
    assert f() is False
    assert ac.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["start"] = ac.is_grad_enabled()
        x = leaf()
        seen["records"] = (x * 2.0).requires_grad

    with ac.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not ac.is_grad_enabled()
    assert seen == {"start": True, "records": True}


def test_no_grad_in_a_thread_does_not_leak_to_main():
    inside = threading.Event()
    release = threading.Event()

    def worker():
        with ac.no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    try:
        assert ac.is_grad_enabled()
        assert (leaf() * 2.0).requires_grad
    finally:
        release.set()
        t.join()


def test_grad_mode_is_task_local():
    async def main():
        async def off():
            with ac.no_grad():
                await asyncio.sleep(0.01)
                return ac.is_grad_enabled()

        async def on():
            await asyncio.sleep(0.005)
            return ac.is_grad_enabled()

        return await asyncio.gather(off(), on())

    assert asyncio.run(main()) == [False, True]


def test_backward_inside_no_grad_still_computes_grads():
    x = leaf()
    y = x * x
    with ac.no_grad():
        y.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    assert not x.grad.requires_grad


def test_hooks_run_without_recording():
    x = leaf()
    seen = []
    x.register_hook(lambda g: seen.append(ac.is_grad_enabled()))
    (x * 2.0).backward(np.ones(2))
    assert seen == [False]
    assert ac.is_grad_enabled()


def test_recording_costs_nothing_when_off():
    # no graph, no saved arrays, no node kept alive under no_grad
    x = leaf()
    with ac.no_grad():
        y = ac.tanh(x * 2.0)
    assert y.grad_fn is None and y._grad_fn is None
