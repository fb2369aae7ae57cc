"""Operations become methods: `blocking` runs one to its end and returns its result, `awaiting`
makes it a coroutine; `Lifted` declares a method once for both kinds of client (or job), and
gives each instance the one its transport runs."""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from ocr_client._steps import Operation

P = ParamSpec("P")
S = TypeVar("S")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Blocking:
    """A client or job whose methods block until their operation ends."""

    def _run(self, operation: Operation[T]) -> T:
        raise NotImplementedError


class Awaiting:
    """A client or job whose methods are coroutines."""

    async def _run(self, operation: Operation[T]) -> T:
        raise NotImplementedError


def blocking(
    operation: Callable[Concatenate[S, P], Operation[T]],
) -> Callable[Concatenate[S, P], T]:
    """The method of a `Blocking` class that runs `operation` (its docstring and signature)."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        # self is the Blocking subclass of S the method is looked up on.
        result: T = self._run(operation(self, *args, **kwargs))
        return result

    return _method_of(operation, method)


def awaiting(
    operation: Callable[Concatenate[S, P], Operation[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """The coroutine method of an `Awaiting` class that runs `operation`."""

    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        result: T = await self._run(operation(self, *args, **kwargs))
        return result

    return _method_of(operation, method)


def _method_of(operation: Callable[..., Any], method: F) -> F:
    """`method` under `operation`'s name, docstring and signature, as help() and IDEs show
    it: its first parameter is self, and it returns no Operation but what that gives."""
    functools.update_wrapper(method, operation)
    signature = inspect.signature(operation)
    first, *rest = signature.parameters.values()
    shown = signature.replace(
        parameters=[first.replace(name="self", annotation=inspect.Parameter.empty), *rest],
        return_annotation=inspect.Signature.empty,
    )
    setattr(method, "__signature__", shown)  # noqa: B010 (typeshed gives functions none)
    return method


class Lifted(Generic[S, P, T]):
    """A method declared once in a base class: on a `Blocking` instance it blocks and returns
    the result, on an `Awaiting` one it is a coroutine.

    mypy carries neither an overloaded operation nor one generic in its class's type
    variables through a class's ParamSpec (only through a function's), so `ocr`, `submit`
    and `Job.result` are lifted in each class with `blocking` and `awaiting` instead."""

    def __init__(self, operation: Callable[Concatenate[S, P], Operation[T]]) -> None:
        self._operation = operation
        self._methods: dict[type[Any], Callable[..., Any]] = {}

    @overload
    def __get__(self, instance: Blocking, owner: type[Any] | None = None) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, instance: Awaiting, owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Callable[..., Any]: ...
    def __get__(self, instance: object, owner: type[Any] | None = None) -> Callable[..., Any]:
        cls = owner if owner is not None else type(instance)
        method = self._methods.get(cls)
        if method is None:
            lift = awaiting if issubclass(cls, Awaiting) else blocking
            method = self._methods[cls] = lift(self._operation)
        return method if instance is None else types.MethodType(method, instance)
