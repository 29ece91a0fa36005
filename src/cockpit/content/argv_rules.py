"""Which elements of a shell step's argv a template may fill: the one rule, for checks and the engine.

A shell step runs its argv with ``exec``, so a template always fills whole argv elements and a
parameter can never split into two arguments or start a second command. What remains is an
element that some program reads **as code**: the ``-c`` of a shell, the ``-e`` of perl, an awk
program, a sed script, the command line ``ssh`` hands to the remote shell. A template there lets
a parameter run anything, however the program is wrapped (``env sh -c``, ``timeout 5 bash -c``,
``sudo -u x python3 -c``, ``kubectl exec pod -- sh -c``, ``find -exec sh -c``). So:

* every literal element that names an interpreter or a remote shell is read from there on as
  that program's command line, wherever it stands (no wrapper syntax has to be understood to
  find ``sh`` after ``env``, ``nice`` or an unknown wrapper);
* known wrappers (``env``, ``sudo``, ``timeout``, ``xargs``, ...) are parsed option by option
  to find the program they run, so a template cannot *be* that program nor an option of the
  wrapper (``env -S``, ``timeout -s``: a bare ``{{ x }}`` there could turn into either);
* a templated element is judged by its literal lead (the text before the first ``{{``): a
  lead that does not start with ``-`` can never turn into an option, so
  ``"--bucket={{ b }}"``, ``"app={{ x }}"`` and ``"s3://{{ b }}/"`` are plain data; a bare
  ``"{{ x }}"`` could be ``-c``.

The verdict depends only on the argv as written (literal text and where the templates are),
never on the values, so validation and the engine's check before every run agree, and no
value can change how the argv is parsed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

_TEMPLATE_START = re.compile(r"\{\{|\{%|\{#")


def lead(element: str) -> str | None:
    """The literal text before the first template in ``element``; None when it has no template."""
    m = _TEMPLATE_START.search(element)
    return element[: m.start()] if m else None


def _templated(element: str) -> bool:
    return lead(element) is not None


def _bare(element: str) -> bool:
    """A template whose value decides what the element is (it may start with ``-``)."""
    return lead(element) == ""


@dataclass(frozen=True)
class Spec:
    """How a program parses its arguments, as far as this rule needs to know.

    ``arg``: options that take the next element (or the rest of a short cluster) as their
    argument, which is data; ``code``: options whose argument is code or names code to run (a
    script file, a module, an ``ssh -o``); ``shell_line``: flags after which the command runs
    through a shell; ``operands``: fixed operands before the command (``timeout``'s duration).
    """

    arg: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()  # an argument only attached (perl -i.bak, -l, -0777)
    code: frozenset[str] = frozenset()
    shell_line: frozenset[str] = frozenset()
    operands: int = 0
    assignments: bool = False  # NAME=value elements before the command (env, sudo)
    long_arg: frozenset[str] = frozenset()
    long_code: frozenset[str] = frozenset()
    long_shell_line: frozenset[str] = frozenset()
    extra: dict[str, str] = field(default_factory=dict)


def _s(*items: str) -> frozenset[str]:
    return frozenset(items)


#: Programs that run another program given as their remaining arguments.
WRAPPERS: dict[str, Spec] = {
    "env": Spec(arg=_s("u", "C"), code=_s("S", "P"), assignments=True,
                long_arg=_s("--unset", "--chdir"), long_code=_s("--split-string")),
    "nice": Spec(arg=_s("n"), long_arg=_s("--adjustment")),
    "timeout": Spec(arg=_s("s", "k"), operands=1, long_arg=_s("--signal", "--kill-after")),
    "sudo": Spec(arg=_s("u", "g", "C", "D", "p", "r", "t", "U", "T", "R", "h"), shell_line=_s("s", "i"),
                 assignments=True, long_arg=_s("--user", "--group", "--close-from", "--chdir", "--prompt",
                                                "--role", "--type", "--other-user", "--command-timeout",
                                                "--chroot", "--host"),
                 long_shell_line=_s("--shell", "--login")),
    "doas": Spec(arg=_s("u"), code=_s("C"), shell_line=_s("s")),
    # su and runuser permute: `su - deploy -c CMD` has its options after the user.
    "su": Spec(code=_s("c", "s"), long_code=_s("--command", "--shell", "--session-command"), arg=_s("g", "G", "w"),
               long_arg=_s("--group", "--supp-group", "--whitelist-environment"), extra={"permute": "y"}),
    "runuser": Spec(code=_s("c", "s"), long_code=_s("--command", "--shell", "--session-command"),
                    arg=_s("u", "g", "G", "w"), long_arg=_s("--user", "--group", "--supp-group"),
                    extra={"permute": "y"}),
    "nohup": Spec(),
    "setsid": Spec(),
    "stdbuf": Spec(arg=_s("i", "o", "e"), long_arg=_s("--input", "--output", "--error")),
    "ionice": Spec(arg=_s("c", "n", "p", "P", "u"), long_arg=_s("--class", "--classdata", "--pid", "--pgid", "--uid")),
    "chrt": Spec(arg=_s("T", "P", "D"), operands=1, long_arg=_s("--sched-runtime", "--sched-period",
                                                                 "--sched-deadline")),
    "taskset": Spec(operands=1),
    "xargs": Spec(arg=_s("a", "d", "E", "I", "L", "n", "P", "s"),
                  long_arg=_s("--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars",
                              "--process-slot-var", "--max-lines")),
    "time": Spec(arg=_s("f", "o"), long_arg=_s("--format", "--output")),
    "command": Spec(),
    "exec": Spec(arg=_s("a")),
    "flock": Spec(arg=_s("w", "E"), code=_s("c"), operands=1, long_arg=_s("--timeout", "--conflict-exit-code"),
                  long_code=_s("--command")),
    "chroot": Spec(operands=1, long_arg=_s("--userspec", "--groups")),
    "unbuffer": Spec(),
    "caffeinate": Spec(arg=_s("t", "w")),
    "catchsegv": Spec(),
    "tini": Spec(arg=_s("p", "e")),
    "dumb-init": Spec(arg=_s("r")),
    "watch": Spec(arg=_s("n"), long_arg=_s("--interval"), shell_line=_s(""), extra={"argv_flags": "x"}),
    "parallel": Spec(shell_line=_s("")),
    "script": Spec(code=_s("c"), long_code=_s("--command")),
    "sg": Spec(operands=1, shell_line=_s("")),
}

#: Remote shells: everything after the host is one command line for the remote shell.
REMOTE_SHELLS: dict[str, Spec] = {
    "ssh": Spec(code=_s(*"bcDEeFIiJLlmOopQRSWwBP")),  # -o ProxyCommand=..., -F config: all refused
    "rsh": Spec(code=_s("l")),
    "mosh": Spec(long_code=_s("--ssh", "--server", "--client")),
}

#: Programs that read code from an argument, or from their first operand (a script).
INTERPRETERS: dict[str, Spec] = {
    # A shell's first operand is code either way: the -c command, or the script file.
    "sh": Spec(arg=_s("o", "O"), code=_s("C"), long_arg=_s("--rcfile", "--init-file"),
               long_code=_s("--command", "--init-command", "--rcfile", "--init-file")),
    "python": Spec(code=_s("c", "m"), arg=_s("W", "X", "Q"), extra={"last": "cm"}),  # -c/-m end the options
    "perl": Spec(code=_s("e", "E", "M", "m"), arg=_s("I"), optional=_s("l", "x", "i", "0", "C", "d", "D")),
    "ruby": Spec(code=_s("e", "r"), arg=_s("I", "C", "E", "F"), optional=_s("K", "T", "W", "x", "0")),
    "node": Spec(code=_s("e", "p", "r"), long_code=_s("--eval", "--print", "--require", "--import", "--loader",
                                                       "--experimental-loader"),
                 long_arg=_s("--input-type", "--conditions")),
    "php": Spec(code=_s("r", "B", "R", "E", "F", "f", "d", "z"), arg=_s("c", "t")),
    "lua": Spec(code=_s("e", "l")),
    "awk": Spec(code=_s("f", "e", "i", "l", "E"), arg=_s("F", "v"),
                long_code=_s("--source", "--file", "--include", "--load", "--exec"),
                long_arg=_s("--field-separator", "--assign")),
    "sed": Spec(code=_s("e", "f"), arg=_s("l"), long_code=_s("--expression", "--file"),
                long_arg=_s("--line-length")),
    "expect": Spec(code=_s("c", "f")),
    "tclsh": Spec(),
    "osascript": Spec(code=_s("e")),
    "deno": Spec(),
}

_ALIASES = {
    **{n: "sh" for n in ("bash", "zsh", "dash", "ksh", "mksh", "pdksh", "ash", "yash", "fish", "csh", "tcsh",
                         "rbash", "posh", "oksh", "loksh")},
    **{n: "python" for n in ("pypy", "pypy3", "python2", "python3")},
    **{n: "node" for n in ("nodejs", "bun", "tsx", "ts-node")},
    **{n: "lua" for n in ("luajit",)},
    **{n: "awk" for n in ("gawk", "mawk", "nawk", "original-awk", "busybox-awk")},
    **{n: "sed" for n in ("gsed",)},
    **{n: "tclsh" for n in ("wish",)},
    **{n: "ssh" for n in ("autossh",)},
    **{n: "rsh" for n in ("rlogin", "remsh")},
}
_VERSIONED = re.compile(r"^(python|pypy|perl|ruby|php|lua|node|tclsh|wish)[0-9.]*[mdu]?$")

#: Programs that read every argument as code (PowerShell joins them into one command; gdb's
#: -ex, -x and its "shell" command): no template anywhere.
_ALL_CODE = {"pwsh", "powershell", "gdb", "eval"}
#: Multi-call binaries: the next element is the program.
_MULTICALL = {"busybox", "toybox"}
#: ``docker exec CONTAINER CMD...`` and friends: options with an argument, per subcommand.
_CONTAINER_ARG = _s("-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "--detach-keys", "-v",
                    "--volume", "-p", "--publish", "--name", "--network", "--net", "-m", "--memory", "-l",
                    "--label", "--mount", "--platform", "--pull", "--restart", "--cpus", "-h", "--hostname",
                    "--add-host", "--dns", "--cap-add", "--cap-drop", "--security-opt", "--ulimit", "--log-driver",
                    "--log-opt", "--shm-size", "--tmpfs", "--device", "--gpus", "--ipc", "--pid", "--runtime",
                    "--stop-signal", "--stop-timeout", "--cidfile", "--health-cmd", "--group-add")
_CONTAINER_CODE = _s("--entrypoint", "--health-cmd")


def program_name(element: str) -> str:
    """The family a literal program belongs to: ``/usr/bin/python3.11`` -> ``python``."""
    name = PurePosixPath(element).name
    m = _VERSIONED.match(name)
    if m:
        name = m.group(1)
    return _ALIASES.get(name, name)


def problems(argv: list[str]) -> list[tuple[int, str]]:
    """(index, message) for every element of ``argv`` (as written) a template must not fill.

    ``argv`` holds the step's elements as written, templates unrendered. Empty when the argv is safe.
    """
    found: dict[int, str] = {}
    for index, message in _program(argv, 0, set()):
        found.setdefault(index, message)
    return sorted(found.items())


def _program(argv: list[str], start: int, seen: set[int]) -> Iterator[tuple[int, str]]:
    """Check ``argv[start:]`` as a command line whose program is ``argv[start]``."""
    if start >= len(argv) or start in seen:
        return
    seen.add(start)
    element = argv[start]
    if _templated(element):
        yield start, ("the program must be written literally, not filled by a template"
                      if start == 0 else "a template here would choose the program that runs: write it literally")
        return
    name = program_name(element)
    if name in _MULTICALL:
        yield from _program(argv, start + 1, seen)
    elif name in WRAPPERS:
        yield from _wrapper(argv, start, name, WRAPPERS[name], seen)
    elif name in REMOTE_SHELLS:
        yield from _remote(argv, start, name, REMOTE_SHELLS[name])
    elif name in INTERPRETERS:
        yield from _interpreter(argv, start, name, INTERPRETERS[name], seen)
    elif name in _ALL_CODE:
        yield from _all_code(argv, start, name)
    elif name in ("docker", "podman", "nerdctl"):
        yield from _container(argv, start, name, seen)
    elif name in ("kubectl", "oc"):
        yield from _after_separator(argv, start, name, seen)
    elif name == "find":
        yield from _find(argv, start, seen)
    else:
        # A program this rule does not know may be a wrapper too: any literal element after it
        # that names an interpreter, a remote shell or a wrapper is read as one from there on.
        for i in range(start + 1, len(argv)):
            if not _templated(argv[i]) and _is_code_reader(argv[i]):
                yield from _program(argv, i, seen)


def _is_code_reader(element: str) -> bool:
    name = program_name(element)
    return name in INTERPRETERS or name in REMOTE_SHELLS or name in _MULTICALL or name in WRAPPERS or name in _ALL_CODE


@dataclass
class _Options:
    """What reading a program's options found: where its operands start, its flags, code arguments."""

    end: int
    flags: set[str] = field(default_factory=set)
    code_args: list[int] = field(default_factory=list)  # elements holding code given to an option


def _options(argv: list[str], start: int, name: str, spec: Spec
             ) -> tuple[_Options, list[tuple[int, str]]]:
    """Read options from ``argv[start]`` up to the first operand; bad templates on the way."""
    found: list[tuple[int, str]] = []
    out = _Options(start)
    code_msg = f"{name} reads this as code (or as the file that holds it): a template here lets a parameter run anything"
    i = start
    while i < len(argv):
        element = argv[i]
        templated = _templated(element)
        text = lead(element) if templated else element
        assert text is not None
        if text == "":
            found.append((i, f"a template here could become one of {name}'s options (a value such as "
                             f"-c or -e): write {name}'s options literally"))
            i += 1
            continue
        if text == "--":
            i += 1
            break
        if spec.assignments and re.match(r"^[A-Za-z_]\w*=", text):
            i += 1  # NAME=value: the value is data
            continue
        if name == "nice" and re.fullmatch(r"-\d+", text):
            i += 1
            continue
        if text == "-" or not (text.startswith("-") or (name == "sh" and text.startswith("+"))):
            break
        if text.startswith("--"):
            key, eq, _ = text.partition("=")
            takes_next = not eq and not templated
            if key in spec.long_code:
                out.code_args.append(i if eq or templated else i + 1)
                if templated or (takes_next and i + 1 < len(argv) and _templated(argv[i + 1])):
                    found.append((i if eq or templated else i + 1, code_msg))
            elif key in spec.long_shell_line:
                out.flags.add("shell_line")
            i += 2 if takes_next and (key in spec.long_code or key in spec.long_arg) else 1
            continue
        # a cluster of short options: -xec, -n5, -o pipefail, -ecode
        letters, step = text[1:], 1
        for j, letter in enumerate(letters):
            attached = letters[j + 1:] or (templated and j == len(letters) - 1)
            if letter in spec.code:
                out.flags.add(letter)
                out.code_args.append(i if attached else i + 1)
                if templated or (not attached and i + 1 < len(argv) and _templated(argv[i + 1])):
                    found.append((i if attached else i + 1, f"{name} -{letter}: {code_msg}"))
                if letter in spec.extra.get("last", ""):
                    out.end = min(i + (1 if attached else 2), len(argv))
                    return out, found
                step = 1 if attached else 2
                break
            if letter in spec.arg:
                step = 1 if attached else 2
                break
            if letter in spec.optional:
                break  # the rest of the cluster is its argument
            if letter in spec.shell_line:
                out.flags.add("shell_line")
            out.flags.add(letter)
        else:
            if templated:
                found.append((i, f"a template among {name}'s options: write {name}'s options literally"))
        i += step
    out.end = min(i, len(argv))
    return out, found


def _wrapper(argv: list[str], start: int, name: str, spec: Spec, seen: set[int]) -> Iterator[tuple[int, str]]:
    opts, found = _options(argv, start + 1, name, spec)
    yield from found
    if spec.extra.get("permute"):
        while opts.end < len(argv) - 1:  # an operand (the user), then options again
            more, found = _options(argv, opts.end + 1, name, spec)
            yield from found
            opts.code_args += more.code_args
            opts.end = more.end
        if _templated(argv[-1]) and not opts.code_args:
            yield len(argv) - 1, f"a template among {name}'s arguments: write them literally"
        return
    if opts.code_args:
        if name == "env" and opts.code_args[-1] < len(argv) and not _templated(argv[opts.code_args[-1]]):
            yield from _split_string(argv, opts.code_args[-1], opts.end)
        return  # su -c, flock -c: the code was the option's argument, checked above
    command = opts.end
    if name == "flock" and argv[command + 1:command + 2] and argv[command + 1] in ("-c", "--command"):
        if command + 2 < len(argv) and _templated(argv[command + 2]):
            yield command + 2, "flock -c runs this through a shell: a template here lets a parameter run anything"
        return
    for k in range(opts.end, min(opts.end + spec.operands, len(argv))):
        if _bare(argv[k]):
            yield k, f"a template as {name}'s operand could be read as an option: write it literally"
        command = k + 1
    through_shell = "" in spec.shell_line or "shell_line" in opts.flags
    if through_shell and not opts.flags & set(spec.extra.get("argv_flags", "")):
        for k in range(command, len(argv)):
            if _templated(argv[k]):
                yield k, f"{name} runs its arguments through a shell: a template here lets a parameter run anything"
        return
    yield from _program(argv, command, seen)


def _split_string(argv: list[str], at: int, rest: int) -> Iterator[tuple[int, str]]:
    """``env -S 'sh -c' ARGS``: env splits its string into the program and its first arguments."""
    try:
        words = shlex.split(argv[at])
    except ValueError:
        yield at, "env -S: cannot split this string (unbalanced quotes)"
        return
    for k, message in problems([*words, *argv[rest:]]):
        yield (at if k < len(words) else rest + k - len(words)), message


def _remote(argv: list[str], start: int, name: str, spec: Spec) -> Iterator[tuple[int, str]]:
    i = start + 1
    host_seen = False
    while i < len(argv):
        element = argv[i]
        text = lead(element)
        if not host_seen:
            if text is None and element.startswith("-") and element != "--":
                letter = element[1:2]
                takes = letter in spec.code and len(element) == 2
                if takes and i + 1 < len(argv) and _templated(argv[i + 1]):
                    yield i + 1, (f"{name} {element} with a template: an option such as -oProxyCommand=... "
                                  f"runs a command, so write {name}'s options literally")
                i += 2 if takes else 1
                continue
            if text is None and element == "--":
                i += 1
                continue
            if text is not None and (text == "" or text.startswith("-")):
                yield i, (f"a template among {name}'s options or as its host could be an option such as "
                          f"-oProxyCommand=..., which runs a command: write it literally or after a literal user@")
            host_seen = True
            i += 1
            continue
        if text is not None:
            yield i, (f"{name} hands everything after the host to the remote shell as one command line: "
                      "a template here lets a parameter run anything there")
        i += 1


def _interpreter(argv: list[str], start: int, name: str, spec: Spec, seen: set[int]) -> Iterator[tuple[int, str]]:
    begin = start + 2 if name == "deno" and argv[start + 1:start + 2] in (["eval"], ["run"]) else start + 1
    opts, found = _options(argv, begin, name, spec)
    yield from found
    first = opts.end
    if not opts.code_args and first < len(argv) and _templated(argv[first]):
        what = {"awk": "the awk program", "sed": "the sed script (its `e` command runs a shell)",
                "sh": f"the command line (or script) {PurePosixPath(argv[start]).name} runs"}.get(
            name, f"the script {name} runs")
        yield first, f"this argument is {what}: a template here lets a parameter run anything"
    if name == "perl":
        for k in range(begin, len(argv)):
            if _templated(argv[k]):
                yield k, ("perl's <> opens its arguments with a two-argument open, so an argument ending "
                          "in | runs a command: a template cannot be one of perl's arguments")


def _all_code(argv: list[str], start: int, name: str) -> Iterator[tuple[int, str]]:
    for k in range(start + 1, len(argv)):
        if _templated(argv[k]):
            yield k, f"{name} reads its arguments as commands: a template here lets a parameter run anything"


def _container(argv: list[str], start: int, name: str, seen: set[int]) -> Iterator[tuple[int, str]]:
    """``docker exec [opts] CONTAINER CMD...`` / ``docker run [opts] IMAGE CMD...``: CMD is a program."""
    i = start + 1
    while i < len(argv) and not _templated(argv[i]) and argv[i].startswith("-"):
        i += 2 if argv[i] in ("-H", "--host", "--context", "--config", "-c", "-l", "--log-level") else 1
    if i >= len(argv) or argv[i] not in ("exec", "run", "container"):
        return
    if argv[i] == "container":
        i += 1
        if i >= len(argv) or argv[i] not in ("exec", "run"):
            return
    i += 1
    while i < len(argv):
        element = argv[i]
        text = lead(element)
        if text == "":
            yield i, f"a template among {name}'s options could be an option itself: write it literally"
            i += 1
            continue
        shown = element if text is None else text
        if shown == "--":
            i += 1
            break
        if not shown.startswith("-"):
            break
        key, eq, _ = shown.partition("=")
        if key in _CONTAINER_CODE:
            if text is not None or (not eq and i + 1 < len(argv) and _templated(argv[i + 1])):
                yield (i if text is not None or eq else i + 1), f"{name} {key} names what runs: write it literally"
            i += 1 if eq else 2
            continue
        i += 2 if key in _CONTAINER_ARG and not eq else 1
    if i < len(argv) and _bare(argv[i]):
        yield i, f"a template as {name}'s container could be read as an option: write it literally"
    yield from _program(argv, i + 1, seen)


def _after_separator(argv: list[str], start: int, name: str, seen: set[int]) -> Iterator[tuple[int, str]]:
    """``kubectl exec|run|debug ... -- CMD...``: CMD is a program run in the container."""
    if not any(a in ("exec", "run", "debug", "attach") for a in argv[start + 1:] if not _templated(a)):
        return
    for k in range(start + 1, len(argv)):
        if argv[k] == "--":
            yield from _program(argv, k + 1, seen)
            return


def _find(argv: list[str], start: int, seen: set[int]) -> Iterator[tuple[int, str]]:
    """``find ... -exec CMD ... ;``: CMD is a program, checked like any other."""
    for k in range(start + 1, len(argv)):
        if argv[k] in ("-exec", "-execdir", "-ok", "-okdir"):
            end = next((j for j in range(k + 1, len(argv)) if argv[j] in (";", "+")), len(argv))
            yield from ((j, m) for j, m in _program(argv[: end], k + 1, seen))

