"""``Module``: the base class of every layer and model.

A module owns parameters, buffers and submodules, registered simply by assigning
them as attributes::

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 8)     # a submodule
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return self.out(ac.tanh(self.hidden(x)))

Every walk over the module tree (``modules()``, ``named_parameters()``,
``state_dict()``, ``train()``, ``repr``) uses an explicit stack, so arbitrarily deep
models never hit Python's recursion limit. Walks visit modules in pre-order (a
module before its children, children in registration order), like PyTorch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor, as_tensor, bump_version
from .parameter import Parameter


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` could not match (empty lists when all matched)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)


_hook_counter = [0]
_CLOSE = object()  # marks where a module's closing parenthesis goes in __repr__


def _check_name(name: Any, kind: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f"{kind} name cannot be an empty string")
    if "." in name:
        raise KeyError(f"{kind} name cannot contain a dot, got {name}")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


class Module:
    """Base class for neural-network modules.

    Subclasses call ``super().__init__()`` first, assign parameters
    (:class:`Parameter`), submodules and buffers (:meth:`register_buffer`) as
    attributes, and define :meth:`forward`. Calling the module runs ``forward``.

    Attributes
    ----------
    training : bool
        ``True`` after :meth:`train`, ``False`` after :meth:`eval`; layers such as
        dropout behave differently in the two modes.
    """

    training: bool
    _forward_pre_hooks: dict | None = None
    _forward_hooks: dict | None = None

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent"] = set()
        d["_modules"] = {}

    # ---- calling --------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; every subclass defines it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                if result is not None:
                    out = result
        return out

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, args)`` before ``forward``; it may return replacement args."""
        if self._forward_pre_hooks is None:
            self.__dict__["_forward_pre_hooks"] = {}
        _hook_counter[0] += 1
        self._forward_pre_hooks[_hook_counter[0]] = hook
        return RemovableHandle(self._forward_pre_hooks, _hook_counter[0])

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after ``forward``; it may return a new output."""
        if self._forward_hooks is None:
            self.__dict__["_forward_hooks"] = {}
        _hook_counter[0] += 1
        self._forward_hooks[_hook_counter[0]] = hook
        return RemovableHandle(self._forward_hooks, _hook_counter[0])

    # ---- registration ---------------------------------------------------------------

    def _registries(self) -> tuple[dict, dict, dict]:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"{type(self).__name__}: cannot assign parameters, buffers or submodules before "
                "Module.__init__() is called; call super().__init__() first in __init__"
            )
        return d["_parameters"], d["_buffers"], d["_modules"]

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            params, buffers, modules = self._registries()
            d.pop(name, None)
            buffers.pop(name, None)
            modules.pop(name, None)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            params, buffers, modules = self._registries()
            d.pop(name, None)
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(nn.Module or None expected)"
                )
            d["_modules"][name] = None
        elif "_buffers" in d and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)"
                )
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            reg = d.get(key)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            reg = d.get(key)
            if reg is not None and name in reg:
                del reg[name]
                d["_non_persistent"].discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or a ``None`` placeholder) under ``name``."""
        _check_name(name, "parameter")
        params, _, _ = self._registries()
        if hasattr(self, name) and name not in params:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            params[name] = None
        elif isinstance(param, Parameter):
            self.__setattr__(name, param)
        else:
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )

    def register_buffer(self, name: str, tensor: Tensor | np.ndarray | None, persistent: bool = True) -> None:
        """Register a non-learnable tensor (e.g. running statistics) under ``name``.

        Buffers appear in :meth:`buffers` and, when ``persistent``, in
        :meth:`state_dict`; they are not returned by :meth:`parameters`.
        """
        _check_name(name, "buffer")
        params, buffers, modules = self._registries()
        if hasattr(self, name) and name not in buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None:
            if isinstance(tensor, np.ndarray):
                tensor = as_tensor(tensor)
            elif not isinstance(tensor, Tensor):
                raise TypeError(
                    f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
                )
        buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or ``None``) as a child under ``name``."""
        _check_name(name, "module")
        _, _, modules = self._registries()
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(self, name) and name not in modules:
            raise KeyError(f"attribute '{name}' already exists")
        modules[name] = module

    register_module = add_module

    # ---- walks (iterative, pre-order) -------------------------------------------------

    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(qualified_name, module)`` for this module and every descendant.

        A module reachable along several paths is yielded once (at its first
        position) unless ``remove_duplicate=False``.
        """
        seen = set() if memo is None else memo
        stack: list[tuple[str, Module, frozenset]] = [(prefix, self, frozenset())]
        while stack:
            name, m, ancestors = stack.pop()
            if remove_duplicate:
                if id(m) in seen:
                    continue
                seen.add(id(m))
            elif id(m) in ancestors:
                raise RuntimeError(f"module tree has a cycle: '{name}' contains itself")
            yield name, m
            inner = ancestors | {id(m)} if not remove_duplicate else ancestors
            children = [(_join(name, k), c, inner) for k, c in m._modules.items() if c is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """Every module in the tree, this one first."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for each direct child."""
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        """Each direct child module."""
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool):
        mods = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen = set()
        for mod_prefix, m in mods:
            for k, v in m.__dict__[registry].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield _join(mod_prefix, k), v

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(qualified_name, parameter)`` pairs, e.g. ``('0.weight', ...)`` in a Sequential.

        A parameter shared by several modules is yielded once.
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module (and of its descendants when ``recurse``)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """``(qualified_name, buffer)`` pairs, persistent or not."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module (and of its descendants when ``recurse``)."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every module in the tree, children before parents; returns self."""
        order = []
        seen = set()
        stack = [self]
        while stack:
            m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            order.append(m)
            stack.extend(c for c in m._modules.values() if c is not None)
        for m in reversed(order):
            fn(m)
        return self

    # ---- modes and gradients ----------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode is expected to be a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (to ``None`` by default, like PyTorch)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = as_tensor(np.zeros_like(p.data))

    def to(self, *args: Any, dtype: Any = None) -> Module:
        """Convert floating parameters and buffers to ``dtype`` in place; returns self.

        ``module.to(np.float64)`` (or ``double()``/``float()``). Device strings such
        as ``'cpu'`` are accepted and ignored, since every tensor lives in host memory.
        """
        for a in args:
            if isinstance(a, str) and a.startswith("cpu"):
                continue
            if dtype is not None:
                raise TypeError("to: dtype given twice")
            dtype = a
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"to: only floating dtypes are supported, got {dtype}")
        for m in self.modules():
            for reg in (m._parameters, m._buffers):
                for t in reg.values():
                    if t is not None and t.data.dtype.kind == "f" and t.data.dtype != dtype:
                        t.data = t.data.astype(dtype)
                        bump_version(t)
                        if t.grad is not None:
                            t.grad = as_tensor(t.grad.data.astype(dtype))
        return self

    def double(self) -> Module:
        """Convert floating parameters and buffers to float64."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Convert floating parameters and buffers to float32."""
        return self.to(np.float32)

    # ---- state dicts --------------------------------------------------------------------

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer, keyed by qualified name (PyTorch layout).

        Values are detached tensors sharing memory with the module (the originals
        with ``keep_vars=True``). A module shared along several paths appears under
        each of its names. ``prefix`` is prepended verbatim (PyTorch passes ``'name.'``).
        """
        out: OrderedDict[str, Tensor] = OrderedDict()
        for mod_prefix, m in self.named_modules(remove_duplicate=False):
            for k, p in m._parameters.items():
                if p is not None:
                    out[prefix + _join(mod_prefix, k)] = p if keep_vars else p.detach()
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent:
                    out[prefix + _join(mod_prefix, k)] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module.

        Parameters
        ----------
        state_dict : mapping of str to Tensor or array
            As produced by :meth:`state_dict` (or loaded with ``ac.load``).
        strict : bool
            When true, missing and unexpected keys are errors.

        Returns
        -------
        IncompatibleKeys
            ``(missing_keys, unexpected_keys)``.

        Raises
        ------
        RuntimeError
            Listing every missing, unexpected (when ``strict``) and mis-shaped key,
            before any value is copied.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict: expected a dict-like state_dict, got {type(state_dict).__name__}"
            )
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        values = {}
        for k, dst in own.items():
            if k not in state_dict:
                continue
            src = state_dict[k]
            arr = src.data if isinstance(src, Tensor) else src
            if not isinstance(arr, (np.ndarray, np.generic, int, float, bool)):
                problems.append(
                    f"While copying the parameter named {k}, expected a Tensor or array, got {type(src).__name__}."
                )
                continue
            arr = np.asarray(arr)
            if arr.dtype.kind not in "biuf":
                problems.append(f"While copying the parameter named {k}, unsupported dtype {arr.dtype}.")
                continue
            if arr.shape != dst.data.shape:
                problems.append(
                    f"size mismatch for {k}: copying a param with shape {arr.shape} from checkpoint, "
                    f"the shape in current model is {dst.data.shape}."
                )
                continue
            values[k] = arr
        lines = []
        if strict and unexpected:
            lines.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if strict and missing:
            lines.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        lines.extend(problems)
        if lines:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(lines)
            )
        for k, arr in values.items():
            dst = own[k]
            dst.data[...] = arr
            bump_version(dst)
        return IncompatibleKeys(missing, unexpected)

    # ---- printing -------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """Extra text shown inside this module's ``repr`` (e.g. layer sizes)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        # Emit lines in pre-order with an explicit stack: linear in the size of the text,
        # no recursion. Continuation lines of a module at depth d are indented 2·d spaces,
        # as PyTorch's nested _addindent produces.
        lines: list[str] = []
        stack: list[tuple] = [(self, 0, "", frozenset())]
        while stack:
            item = stack.pop()
            if item[0] is _CLOSE:
                lines.append(" " * (2 * item[1]) + ")")
                continue
            m, depth, prefix, ancestors = item
            pad = " " * (2 * depth)
            if m is None:
                lines.append(f"{pad}{prefix}None")
                continue
            if depth > 0 and type(m).__repr__ is not Module.__repr__:
                lines.append(pad + prefix + _addindent(repr(m), 2 * depth))
                continue
            if id(m) in ancestors:
                lines.append(f"{pad}{prefix}<cycle: {m._get_name()}>")
                continue
            extra = m.extra_repr()
            extra_lines = extra.split("\n") if extra else []
            children = list(m._modules.items())
            if not children and len(extra_lines) <= 1:
                lines.append(f"{pad}{prefix}{m._get_name()}({extra_lines[0] if extra_lines else ''})")
                continue
            lines.append(f"{pad}{prefix}{m._get_name()}(")
            inner = " " * (2 * depth + 2)
            lines.extend(inner + e for e in extra_lines)
            stack.append((_CLOSE, depth, "", None))
            below = ancestors | {id(m)}
            for k, c in reversed(children):
                stack.append((c, depth + 1, f"({k}): ", below))
        return "\n".join(lines)

    def __dir__(self) -> list[str]:
        keys = set(super().__dir__())
        for reg in ("_parameters", "_buffers", "_modules"):
            keys.update(self.__dict__.get(reg, {}))
        return sorted(keys)
