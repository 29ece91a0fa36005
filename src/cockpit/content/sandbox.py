"""The bounded Jinja sandbox: no template may build a value bigger than :data:`MAX_SIZE` or
do more than :data:`MAX_WORK` steps, whatever route it takes.

Jinja's sandbox stops ``__class__`` tricks, not a gigabyte allocation: ``'%999999999s' % x``,
``'{:>999999999}'.format(x)``, ``x.ljust(10**9)``, ``x|indent(10**9)``, ``s ~ s`` doubled
thirty times, or two nested loops over ``range(100000)`` each hold the cockpit for minutes or
take its memory. Every way a template makes something goes through one of these doors, and
each door checks the size of what it is about to make *before* making it:

- operators ``*``, ``**``, ``+``, ``%`` (``intercepted_binops``) and ``~`` (the code
  generator's ``Concat``);
- calls (:meth:`BoundedEnvironment.call`): a ``str`` method either cannot grow the string
  (``lower``, ``split``...), is checked (``ljust``, ``replace``, ``join``...), or is refused;
  ``str.format`` goes through a formatter that checks each field's width and the running
  length (:meth:`BoundedEnvironment.wrap_str_format`);
- filters: the ones with a size argument are wrapped (:data:`_FILTER_GUARDS`), and every
  filter refuses an input bigger than :data:`MAX_SIZE` (which is how a dict of 100,000
  references to one long string is caught before ``join`` or ``tojson`` expands it);
- output: ``render()`` joins its chunks through :meth:`BoundedEnvironment.concat`, which
  stops at the limit;
- loops: each ``for`` iterates through :meth:`BoundedEnvironment.bounded_iter`, which
  charges the render's work budget, as does every call; each value output is checked by
  ``finalize``.

A refusal is a :class:`SecurityError` (a ``TemplateError``), which the engine and the checks
already report as one line.
"""

from __future__ import annotations

import operator
import re
from contextvars import ContextVar
from functools import update_wrapper
from typing import Any, Callable, Iterable, Iterator

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter, safe_range
from jinja2.utils import _PassArg

#: Largest string (characters) or collection (items, counted through nesting) a template builds.
MAX_SIZE = 1_000_000
#: Most steps (loop iterations, calls, items measured) one render may take.
MAX_WORK = 2_000_000
#: Largest integer (bits) arithmetic may produce; Python prints at most 4,300 digits anyway.
MAX_INT_BITS = 14_000


class _Work:
    """The steps one render has taken; shared by everything that render does."""

    def __init__(self) -> None:
        self.done = 0

    def charge(self, steps: int) -> None:
        self.done += steps
        if self.done > MAX_WORK:
            raise SecurityError(f"template does more than {MAX_WORK:,} steps of work")


_WORK: ContextVar[_Work | None] = ContextVar("template_work", default=None)


class budget:
    """``with budget():`` around one render: a fresh work count for it (nesting keeps the outer one)."""

    def __enter__(self) -> None:
        self._token = _WORK.set(_WORK.get() or _Work())

    def __exit__(self, *exc: object) -> None:
        _WORK.reset(self._token)


def _charge(steps: int) -> None:
    work = _WORK.get()
    if work is None:  # rendering outside budget(): each call gets its own
        work = _Work()
    work.charge(steps)


def size(value: Any) -> int:
    """How big ``value`` is (characters, items through nesting, digits), counted up to just past MAX_SIZE."""
    total, stack, seen = 0, [value], 0
    while stack and total <= MAX_SIZE:
        item = stack.pop()
        seen += 1
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 1
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, dict):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 1
            stack.extend(item)
        else:
            total += 1
    _charge(seen)
    return total


def _refuse(what: str) -> SecurityError:
    return SecurityError(f"template builds a value that is too large ({what}; the limit is {MAX_SIZE:,})")


def check_size(value: Any, what: str = "a value") -> Any:
    if size(value) > MAX_SIZE:
        raise _refuse(what)
    return value


def _check_count(count: Any, what: str) -> None:
    if isinstance(count, int) and count > MAX_SIZE:
        raise _refuse(f"{what} {count:,}")


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise SecurityError(f"template builds a number that is too large (over {MAX_INT_BITS:,} bits)")
    return value


# -- printf-style and str.format widths ------------------------------------------------------

_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _check_printf(fmt: str, args: Any) -> None:
    """``fmt % args``: refuse widths and precisions past the limit, and a result that would be."""
    conversions = 0
    for match in _PRINTF.finditer(fmt):
        for number in match.group(1, 2):
            if number == "*":
                raise SecurityError("template format: '*' widths are not supported")
            if number is not None:
                _check_count(int(number), "format width")
        conversions += match.group(3) != "%"
    values = list(args.values()) if isinstance(args, dict) else list(args) if isinstance(args, tuple) else [args]
    biggest = max((size(v) for v in values), default=0)
    if len(fmt) + conversions * biggest > MAX_SIZE:
        raise _refuse("formatted text")


class _Formatter(SandboxedFormatter):
    """``str.format`` with each field's width checked and the running length bounded."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.length = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        for number in re.findall(r"\d+", format_spec):
            _check_count(int(number), "format width")
        check_size(value, "a formatted field")
        out = super().format_field(value, format_spec)
        self.length += len(out)
        if self.length > MAX_SIZE:
            raise _refuse("formatted text")
        return out


# -- str methods -------------------------------------------------------------------------------

#: str methods whose result is never longer than the string (plus its arguments).
_SHRINKING = frozenset("""capitalize casefold count endswith find index isalnum isalpha isascii isdecimal
isdigit isidentifier islower isnumeric isprintable isspace istitle isupper lower lstrip partition removeprefix
removesuffix rfind rindex rpartition rsplit rstrip split splitlines startswith strip swapcase title upper
""".split())


def _check_str_method(text: str | bytes, name: str, args: tuple, kwargs: dict) -> None:
    if name in _SHRINKING:
        return
    if name in ("ljust", "rjust", "center", "zfill"):
        _check_count(args[0] if args else kwargs.get("width"), f"{name} width")
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tabsize, int) and len(text) + text.count("\t" if isinstance(text, str) else b"\t") * tabsize > MAX_SIZE:
            raise _refuse("expandtabs")
    elif name == "replace":
        old, new = (list(args) + [None, None])[:2]
        if isinstance(old, type(text)) and isinstance(new, type(text)):
            hits = len(text) + 1 if not old else text.count(old)
            if len(text) + hits * len(new) > MAX_SIZE:
                raise _refuse("replace")
    elif name == "join":
        items = list(args[0]) if args else []
        if size(items) + len(items) * len(text) > MAX_SIZE:
            raise _refuse("join")
    else:
        raise SecurityError(f"template may not call str.{name}()")


# -- filters -----------------------------------------------------------------------------------

def _guard(check: Callable[..., None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a filter: ``check(*args, **kwargs)`` runs first (args after the environment/context)."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        skip = 1 if _PassArg.from_obj(func) else 0  # the environment or context Jinja passes first

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if len(args) > skip and isinstance(args[skip], Iterator):  # measure it, and still hand it on whole
                args = (*args[:skip], list(BoundedEnvironment.bounded_iter(args[skip])), *args[skip + 1:])
            plain = args[skip:]
            if plain:
                check_size(plain[0], "a filter's input")
            check(*plain, **kwargs)
            return func(*args, **kwargs)

        return update_wrapper(guarded, func)

    return wrap


def _width_arg(position: int, name: str, default: Any = None) -> Callable[..., None]:
    def check(*args: Any, **kwargs: Any) -> None:
        value = args[position] if len(args) > position else kwargs.get(name, default)
        if isinstance(value, str):
            value = len(value) * (str(args[0]).count("\n") + 1 if args else 1)
        _check_count(value, name)
    return check


def _check_join(value: Any, d: str = "", attribute: Any = None, **_: Any) -> None:
    items = list(value) if isinstance(value, Iterable) else []
    if size(items) + len(items) * len(str(d)) > MAX_SIZE:
        raise _refuse("join")


def _check_replace(s: Any, old: str = "", new: str = "", count: Any = None, **_: Any) -> None:
    _check_str_method(str(s), "replace", (str(old), str(new)), {})


def _check_wordwrap(s: Any, width: int = 79, break_long_words: bool = True, wrapstring: Any = None, **kw: Any) -> None:
    wrapstring = kw.get("wrapstring", wrapstring) or "\n"
    if isinstance(width, int) and width > 0 and len(str(s)) // width * len(str(wrapstring)) > MAX_SIZE:
        raise _refuse("wordwrap")


def _check_format(value: Any, *args: Any, **kwargs: Any) -> None:
    _check_printf(str(value), kwargs or args)


def _check_json_indent(value: Any, indent: Any = None, **_: Any) -> None:
    if isinstance(indent, (int, str)) and not isinstance(indent, bool) and (
            indent if isinstance(indent, int) else len(indent)) > 16:
        raise SecurityError("tojson: indent larger than 16")


def _no_check(*_: Any, **__: Any) -> None:
    return None


_FILTER_GUARDS: dict[str, Callable[..., None]] = {
    "center": _width_arg(1, "width", 80),
    "indent": _width_arg(1, "width", 4),
    "wordwrap": _check_wordwrap,
    "replace": _check_replace,
    "join": _check_join,
    "format": _check_format,
    "batch": _width_arg(1, "linecount"),
    "slice": _width_arg(1, "slices"),
    "tojson": _check_json_indent,
}


# -- the environment ---------------------------------------------------------------------------

def _range(*args: int) -> range:
    """Jinja's ``safe_range`` (at most 100,000 numbers), refusing with a template error."""
    try:
        return safe_range(*args)
    except OverflowError as exc:
        raise SecurityError(str(exc)) from None


class _CodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """``a ~ b`` through :meth:`BoundedEnvironment.join_text`, which checks the total first."""
        self.write("environment.join_text((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment whose every way of making a value is bounded (module doc)."""

    intercepted_binops = frozenset(["*", "**", "+", "%"])
    code_generator_class = _CodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=self._finalize, **options)
        self.filters = {name: (_guard(_FILTER_GUARDS.get(name, _no_check))(func))
                        for name, func in self.filters.items()}
        self.globals["range"] = _range

    @staticmethod
    def _finalize(value: Any) -> Any:
        return check_size(value, "output")

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Route every ``for`` loop's iterable through :meth:`bounded_iter`."""
        tree = super()._parse(source, name, filename)
        for loop in list(tree.find_all(nodes.For)):
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("bounded_iter"), [loop.iter], [], None, None,
                                   lineno=loop.iter.lineno)
        return tree

    @staticmethod
    def bounded_iter(iterable: Any) -> Iterator[Any]:
        for item in iterable:
            _charge(1)
            yield item

    @staticmethod
    def concat(chunks: Iterable[str]) -> str:  # type: ignore[override]  # Environment.concat: how render() joins output
        """A render's output, refused once it passes MAX_SIZE (each chunk is checked by finalize)."""
        out, length = [], 0
        for chunk in chunks:
            length += len(chunk)
            if length > MAX_SIZE:
                raise _refuse("rendered text")
            out.append(chunk)
        return "".join(out)

    @staticmethod
    def join_text(parts: tuple[Any, ...]) -> str:
        for part in parts:
            check_size(part, "text joined with ~")
        texts = [str(part) for part in parts]
        if sum(map(len, texts)) > MAX_SIZE:
            raise _refuse("text joined with ~")
        return "".join(texts)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise SecurityError("exponent too large in template")
            if isinstance(left, int) and isinstance(right, int) and right > 0 and left.bit_length() * right > MAX_INT_BITS:
                raise SecurityError(f"template builds a number that is too large (over {MAX_INT_BITS:,} bits)")
            return operator.pow(left, right)
        if op == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int) and size(seq) * count > MAX_SIZE:
                    raise _refuse("repetition with *")
            return _check_int(operator.mul(left, right))
        if op == "+":
            if isinstance(left, (str, bytes, list, tuple)) and size(left) + size(right) > MAX_SIZE:
                raise _refuse("concatenation with +")
            return _check_int(operator.add(left, right))
        if isinstance(left, (str, bytes)):  # "%": printf-style formatting
            _check_printf(left if isinstance(left, str) else left.decode("latin-1"), right)
        return operator.mod(left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format``/``format_map`` through :class:`_Formatter` (widths and length checked)."""
        if getattr(value, "__name__", None) not in ("format", "format_map") or not isinstance(
                getattr(value, "__self__", None), str):
            return None
        text: str = value.__self__
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one mapping")
                args, kwargs = (), args[0]
            return _Formatter(self).vformat(text, args, kwargs)

        return update_wrapper(wrapper, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        _charge(1)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, (str, bytes)) and getattr(__obj, "__name__", "") not in ("format", "format_map"):
            _check_str_method(owner, __obj.__name__, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

