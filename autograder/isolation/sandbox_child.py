"""The clean room's child process: it runs a student's code and nothing else.

The parent (``autograder.isolation.sandbox``) starts this file BY PATH, as a script, in a fresh
interpreter with resource limits, a scratch working directory and a scrubbed
environment::

    python -I sandbox_child.py FD_FROM_PARENT FD_TO_PARENT

or, in a grading worker, forks it from a fork server started once the same way
(``python -I sandbox_child.py --forks FD``, :func:`serve_forks`), which has already
done what every sandbox does before it reads any student code (:func:`prepare`).

Nothing of ``kmeans_ref`` or ``autograder`` is importable here. The names a lesson's
locked setup cell imports from ``kmeans_ref`` (earlier lessons' functions) are
stand-ins that ask the parent to run the reference; the exercise functions of the
lesson being graded do not exist in this process at all, so no route reaches them.

The wire format is the other half of the trust boundary. The parent sends pickles
(it trusts itself); this process answers only in a pickle-free format: a JSON
skeleton plus raw array bytes, for plain numbers, strings, lists, tuples, dicts with
string keys and numeric arrays. Anything else (an ndarray subclass, an object with a
lying ``__eq__``) crosses as a ``Foreign`` marker naming its type, which the checkers
reject. The parent imports this module for ``encode``/``decode``; run as a script it
serves requests until its input closes.
"""
import json
import os
import struct
import sys

MAX_FRAME = 512 * 1024 * 1024
MAX_DEPTH = 8
MAX_ITEMS = 1_000_000
MAX_STR = 10_000
OUTPUT_CAP = 64 * 1024
# Array dtypes that may cross: booleans and numbers (no objects, strings or records).
ARRAY_KINDS = "biufc"


# ---------------------------------------------------------------- framing
def write_frame(fd, payload):
    """Write one length-prefixed frame."""
    data = struct.pack("<Q", len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact(fd, n):
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd):
    """Read one length-prefixed frame (raises EOFError when the peer is gone)."""
    (size,) = struct.unpack("<Q", read_exact(fd, 8))
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes exceeds the limit of {MAX_FRAME}")
    return read_exact(fd, size)


# ---------------------------------------------------------------- safe encoding
class Foreign:
    """Stands for a value that may not cross the boundary (the parent's view of it)."""

    def __init__(self, type_name, why):
        self.type_name = type_name
        self.why = why

    def __repr__(self):
        return f"<{self.type_name} object: {self.why}>"


def encode(obj):
    """Encode plain data as bytes without pickle: 4-byte header length, JSON header, blob."""
    blobs = []
    offset = [0]

    def walk(x, depth):
        if depth > MAX_DEPTH:
            return {"t": "foreign", "type": type(x).__name__, "why": "nested too deeply"}
        t = type(x)
        if x is None:
            return {"t": "none"}
        if t is bool:
            return {"t": "bool", "v": x}
        if t is int:
            return {"t": "int", "v": str(x)}
        if t is float:
            return {"t": "float", "v": repr(x)}
        if t is complex:
            return {"t": "complex", "v": [repr(x.real), repr(x.imag)]}
        if t is str:
            return {"t": "str", "v": x[:MAX_STR]}
        if t in (list, tuple):
            if len(x) > MAX_ITEMS:
                return {"t": "foreign", "type": t.__name__, "why": f"{len(x)} items"}
            return {"t": t.__name__, "v": [walk(item, depth + 1) for item in x]}
        if t is dict:
            if not all(type(k) is str for k in x):
                return {"t": "foreign", "type": "dict", "why": "keys are not strings"}
            return {"t": "dict", "v": {k: walk(v, depth + 1) for k, v in x.items()}}
        np = sys.modules.get("numpy")
        if np is not None and (t is np.ndarray or isinstance(x, np.generic)):
            scalar = t is not np.ndarray
            if np.dtype(x.dtype).kind not in ARRAY_KINDS:
                return {"t": "foreign", "type": t.__name__, "why": f"dtype {x.dtype}"}
            arr = np.array(x, copy=True, order="C")  # keeps 0-d (ascontiguousarray would not)
            raw = arr.tobytes()
            blobs.append(raw)
            start = offset[0]
            offset[0] += len(raw)
            return {"t": "array", "dtype": arr.dtype.str, "shape": list(arr.shape),
                    "off": start, "len": len(raw), "scalar": scalar}
        return {"t": "foreign", "type": f"{t.__module__}.{t.__qualname__}", "why": "not plain data"}

    header = json.dumps(walk(obj, 0)).encode()
    return struct.pack("<I", len(header)) + header + b"".join(blobs)


def decode(data):
    """Inverse of ``encode``; never executes anything the data names."""
    import numpy as np

    (hlen,) = struct.unpack("<I", data[:4])
    header = json.loads(data[4:4 + hlen].decode())
    blob = memoryview(data)[4 + hlen:]

    def build(node):
        t = node["t"]
        if t == "none":
            return None
        if t == "bool":
            return bool(node["v"])
        if t == "int":
            return int(node["v"])
        if t == "float":
            return float(node["v"])
        if t == "complex":
            return complex(float(node["v"][0]), float(node["v"][1]))
        if t == "str":
            return str(node["v"])
        if t == "list":
            return [build(v) for v in node["v"]]
        if t == "tuple":
            return tuple(build(v) for v in node["v"])
        if t == "dict":
            return {str(k): build(v) for k, v in node["v"].items()}
        if t == "array":
            dtype = np.dtype(node["dtype"])
            if dtype.kind not in ARRAY_KINDS:
                return Foreign("ndarray", f"dtype {dtype}")
            raw = blob[node["off"]:node["off"] + node["len"]]
            arr = np.frombuffer(raw, dtype=dtype).reshape(node["shape"]).copy()
            return arr[()] if node.get("scalar") else arr
        # A subclass named like the original type, so messages can say what was returned.
        type_name = str(node.get("type", "?"))
        short = type_name.rsplit(".", 1)[-1]
        cls = type(short, (Foreign,), {}) if short.isidentifier() else Foreign
        return cls(type_name, str(node.get("why", "")))

    return build(header)


# ---------------------------------------------------------------- the child
class _CappedText:
    """A text stream that keeps at most OUTPUT_CAP characters and drops the rest."""

    def __init__(self):
        self.parts, self.size = [], 0

    def write(self, text):
        text = str(text)
        if self.size < OUTPUT_CAP:
            self.parts.append(text[: OUTPUT_CAP - self.size])
        self.size += len(text)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def _block_course_packages():
    """Make kmeans_ref and autograder unimportable: drop their finders, refuse their names."""
    import importlib.abc

    blocked = ("kmeans_ref", "autograder")
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__.lower()
                        and "editable" not in getattr(f, "__name__", "").lower()]
    sys.path[:] = [p for p in sys.path if not any(os.path.isdir(os.path.join(p, b)) for b in blocked)]

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ImportError(f"{name} cannot be imported by code under grading")
            return None

    sys.meta_path.insert(0, Refuse())


def _load_confine():
    """The module ``confine`` beside this file: Landlock, seccomp, process limits.

    Run as a script (``-I``, so this folder is not on ``sys.path``) the file is loaded by
    path and no package of the kit is imported; imported as part of the kit, it is the
    kit's own module.
    """
    if __package__:
        from autograder.isolation import confine
        return confine
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "confine.py")
    spec = importlib.util.spec_from_file_location("_sandbox_confine", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _course_entry(name: str) -> bool:
    """Whether a site-packages entry belongs to the course (its packages, their metadata, editable finders)."""
    name = name.lower().replace("-", "_")
    return any(part in name for part in ("kmeans_ref", "autograder", "kmeans_course"))


def python_files() -> list:
    """What the student's code may read: Python's standard library, the installed libraries
    (numpy, matplotlib, ...) and the shared libraries.

    Nothing of the course: its packages are left out even when installed in site-packages,
    and the course folder (the reference's source, the solutions, the gradebook) is never
    listed, so no route at run time (an ``open`` on a computed path, an ``exec`` of what it
    read) reaches them. Called before any student code runs.
    """
    import site
    import sysconfig

    hidden = {"site-packages", "dist-packages"}
    paths = set()
    for key in ("stdlib", "platstdlib"):
        folder = sysconfig.get_paths().get(key)
        if folder and os.path.isdir(folder):
            paths.update(os.path.join(folder, name) for name in os.listdir(folder) if name not in hidden)
    libraries = {sysconfig.get_paths().get("purelib"), sysconfig.get_paths().get("platlib")}
    libraries.update(getattr(site, "getsitepackages", lambda: [])())
    for folder in filter(None, libraries):
        if os.path.isdir(folder):
            paths.update(os.path.join(folder, name) for name in os.listdir(folder) if not _course_entry(name))
    # Shared libraries already mapped (and their folders, for the ones loaded later,
    # like libcrypto under hashlib), except those inside a site-packages folder.
    try:
        with open("/proc/self/maps") as maps:
            mapped = {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
    except OSError:
        mapped = set()
    for path in mapped:
        if path.startswith("/") and ".so" in os.path.basename(path):
            inside = any(part in hidden for part in path.split(os.sep))
            if not _course_entry(path):
                paths.add(path if inside else os.path.dirname(path))
    paths.update({"/dev/null", "/dev/urandom", "/dev/zero"})
    return sorted(p for p in paths if os.path.exists(p))


class _Channel:
    def __init__(self, fd_in, fd_out):
        self.fd_in, self.fd_out = fd_in, fd_out

    def send(self, message):
        write_frame(self.fd_out, encode(message))

    def receive(self):
        import pickle  # the parent is trusted: its frames are pickles

        return pickle.loads(read_frame(self.fd_in))

    def ask(self, message):
        """Send a request to the parent and wait for its answer (a value or an exception)."""
        self.send(message)
        kind, value = self.receive()
        if kind == "raise":
            exc_type = {"ValueError": ValueError, "TypeError": TypeError}.get(value[0], RuntimeError)
            raise exc_type(value[1])
        return value


def _make_shims(channel, allowed, lesson):
    """Stand-ins for the course packages: allowed reference functions run in the parent."""
    import types

    kmeans_ref = types.ModuleType("kmeans_ref")
    kmeans_ref.__doc__ = "Stand-in: only the functions this lesson provides are available."

    def proxy(name):
        def call(*args, **kwargs):
            return channel.ask({"kind": "shim", "name": name, "args": list(args), "kwargs": kwargs})

        call.__name__ = call.__qualname__ = name
        return call

    for name in allowed:
        setattr(kmeans_ref, name, proxy(name))
    for sub in ("plotting", "datasets"):
        mod = types.ModuleType(f"kmeans_ref.{sub}")
        setattr(kmeans_ref, sub, mod)
        sys.modules[f"kmeans_ref.{sub}"] = mod
    autograder = types.ModuleType("autograder")
    autograder.check = lambda *args, **kwargs: None
    sys.modules["kmeans_ref"] = kmeans_ref
    sys.modules["autograder"] = autograder


# The lessons' setup cells import pyplot for their figures; no graded function needs it as a
# rule, so it loads when code first touches it (0.25 s of CPU time, half of this process's start).
DEFERRED_MODULES = frozenset({"matplotlib.pyplot"})


def _defer_imports(names):
    """Import the modules ``names`` lazily (``importlib.util.LazyLoader``): same module, loaded on first use."""
    import importlib.abc
    import importlib.util

    class Deferred(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            others = [f for f in sys.meta_path if f is not self and hasattr(f, "find_spec")] if name in names else []
            for spec in (f.find_spec(name, path, target) for f in others):
                if spec is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                if spec is not None:
                    return spec
            return None

    sys.meta_path.insert(0, Deferred())


def _callback(channel, ident):
    def call(*args, **kwargs):
        return channel.ask({"kind": "callback", "id": ident, "args": list(args), "kwargs": kwargs})

    return call


def _error(exc):
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    # Keep only the student's frames (their cells are compiled as "<cell NAME>").
    frames = [f for f in frames if f.filename.startswith("<cell")]
    where = [f"{f.filename[1:-1]}, line {f.lineno}: {f.line or ''}".strip() for f in frames[-3:]]
    return {"kind": "error", "ename": type(exc).__name__, "evalue": str(exc)[:2000], "where": where}


# Modules whose functions a submission might replace to change how later code behaves.
WATCHED_MODULES = ("builtins", "numpy", "numpy.linalg", "numpy.testing", "numpy.random", "math")


class _Watch:
    """Which attributes of the watched modules student code replaced or deleted.

    Replacing ``np.allclose`` here cannot change a score (the checkers run in the
    parent), but it is what a submission does to fool a notebook's own tests, and the
    TA should see it. ``changes()`` names what changed since the previous call.
    """

    def __init__(self):
        self.before = {name: (sys.modules[name], dict(vars(sys.modules[name])))
                       for name in WATCHED_MODULES if name in sys.modules}
        self.seen = set()

    def changes(self):
        found = []
        for name, (module, attrs) in self.before.items():
            if sys.modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}]")
                continue
            now = vars(module)
            found += [f"{name}.{key}" for key, value in attrs.items()
                      if key != "_" and (key not in now or now[key] is not value)]
        new = [item for item in found if item not in self.seen]
        self.seen.update(new)
        return new


def _unwrap_args(channel, args):
    out = []
    for a in args:
        if isinstance(a, tuple) and len(a) == 2 and a[0] == "__callback__":
            out.append(_callback(channel, a[1]))
        else:
            out.append(a)
    return out


def _count_lines(fn, args, kwargs):
    """Run ``fn``; return how many lines of the notebook's own code (its ``<cell ...>``) it executed."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def on_call(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename.startswith("<cell "):
            count += 1
            return local
        return None

    sys.settrace(on_call)
    try:
        fn(*args, **kwargs)
    finally:
        sys.settrace(None)
    return count


# Imported before any student code runs: what every lesson's setup cell imports (pyplot
# itself is deferred, above), numpy.testing so that a patch of it is seen, and
# numpy.random, which NumPy 2 loads on first use. Measured in a fresh interpreter: 0.25 s
# together, all of a sandbox's start that a fork server saves.
PRELOAD = ("numpy", "numpy.random", "numpy.testing", "matplotlib", "IPython.display")


def prepare():
    """What a sandbox does before it reads any student code: ``(confine, readable)``.

    Hides the course packages, imports :data:`PRELOAD`, loads the confinement module
    and lists the files the student's code may read (:func:`python_files`).
    """
    import importlib

    _block_course_packages()
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a cell that needs it says why when it imports it
            pass
    return _load_confine(), python_files()


def serve(fd_in, fd_out, prepared=None):
    """Run the cells the parent sends first, then serve its calls until the input closes.

    ``prepared``: what :func:`prepare` returned, in a sandbox forked from the fork server.
    """
    channel = _Channel(fd_in, fd_out)
    captured = _CappedText()
    sys.stdout = sys.stderr = captured
    kind, init = channel.receive()
    assert kind == "init"
    confine, readable = prepared or prepare()
    isolation = confine.landlock([os.getcwd()], readable=readable, read_label="Python's and its libraries' files")
    if isolation.startswith("Landlock"):
        isolation += "; " + confine.restrict_syscalls(sockets="none")

    _make_shims(channel, init["allowed"], init["lesson"])
    _defer_imports(DEFERRED_MODULES)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    watch = _Watch()
    cells = []
    patched = {}
    for label, source in init["cells"]:
        channel.send({"kind": "cell", "label": label})  # so a cell that kills Python can be named
        try:
            exec(compile(source, f"<cell {label}>", "exec"), namespace)
            cells.append({"label": label, "ok": True})
        except BaseException as exc:  # a broken cell is recorded; the others still run
            if isinstance(exc, (KeyboardInterrupt,)):
                raise
            cells.append({"label": label, "ok": False, **_error(exc)})
        changed = watch.changes()
        if changed:
            patched[label] = changed
    channel.send({"kind": "ready", "cells": cells, "isolation": isolation, "patched": patched,
                  "defined": sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("__"))})
    while True:
        try:
            kind, request = channel.receive()
        except EOFError:
            return
        if kind != "call":
            continue
        fn = namespace.get(request["name"])
        args = _unwrap_args(channel, request["args"])
        try:
            if fn is None or not callable(fn):
                raise NameError(f"name {request['name']!r} is not defined by your solution cells")
            if request.get("count_lines"):  # the grader measures vectorisation: the count is the value
                value = _count_lines(fn, args, request["kwargs"])
            else:
                value = fn(*args, **request["kwargs"])
            reply = {"kind": "result", "value": value, "args_after": [
                a if not callable(a) else None for a in args]}
        except BaseException as exc:
            reply = _error(exc)
        reply["patched"] = watch.changes()
        try:
            channel.send(reply)
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            channel.send({"kind": "error", "ename": "ReturnValueError",
                          "evalue": f"the returned value could not be read: {exc}", "where": []})


# ---------------------------------------------------------------- the fork server
def serve_forks(fd):
    """The fork server: :func:`prepare` once, then fork one sandbox per request on socket ``fd``.

    A request is one message (a SOCK_SEQPACKET socket keeps them apart): a JSON object
    with the sandbox's folder ``cwd``, its environment ``env`` and its resource
    limits ``limits`` (name -> [soft, hard]), and, passed with it, the sandbox's two
    pipe ends. The answer is ``{"pid": PID}`` or ``{"error": WHY}``. The server runs
    no student code (cells and calls go to the sandbox over its own pipes) and a
    request names no student (a scratch folder, an environment without secrets), so
    a sandbox inherits nothing of another one. A middle process forks each sandbox and
    exits at once: the sandbox becomes a child of the grading worker (a child
    subreaper), which reads its exit status as for a sandbox it started itself.
    """
    import signal
    import socket

    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: ends with its worker
        if os.getppid() == 1:
            os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a TA's Ctrl-C stops the batch through its workers
    prepared = prepare()
    sock = socket.socket(fileno=fd)
    while True:
        message, fds, _, _ = socket.recv_fds(sock, 1 << 16, 2)
        if not message:
            return  # the worker closed its end
        read_end, write_end = os.pipe()
        middle = os.fork()
        if middle == 0:
            os.close(read_end)
            _middle(message, fds, write_end, prepared)  # never returns
        os.close(write_end)
        for passed in fds:
            os.close(passed)
        with os.fdopen(read_end, "rb") as pipe:
            said = pipe.read().decode(errors="replace")  # until the middle and the sandbox close it
        os.waitpid(middle, 0)  # collected: the sandbox's parent is now the worker
        answer = {"pid": int(said)} if said.isdigit() else {"error": said or "the sandbox could not be forked"}
        sock.send(json.dumps(answer).encode())


def _middle(message, fds, write_end, prepared):
    """Fork the sandbox of one request and exit; the sandbox reports its own pid once it leads its session."""
    try:
        request = json.loads(message)
        if len(fds) != 2:
            raise ValueError(f"{len(fds)} file descriptors passed, 2 expected")
        if os.fork() == 0:
            _forked_sandbox(request, fds, write_end, prepared)  # never returns
    except BaseException as exc:
        os.write(write_end, f"{type(exc).__name__}: {exc}".encode())
    os._exit(0)


def _forked_sandbox(request, fds, write_end, prepared):
    """In the forked sandbox: become what ``python -I sandbox_child.py`` with the parent's limits is, then serve."""
    import resource
    import signal

    code = 1
    try:
        os.setsid()  # its own process group: a kill reaches anything it forks
        os.write(write_end, str(os.getpid()).encode())
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a new interpreter
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        low, high = sorted(fds)
        os.closerange(3, low)  # nothing of the server's (its socket) stays open
        os.closerange(low + 1, high)
        os.closerange(high + 1, 1 << 16)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile

        tempfile.tempdir = None  # chosen again from this environment's TMPDIR
        for name, (soft, hard) in request["limits"].items():
            resource.setrlimit(getattr(resource, name), (soft, hard))
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()  # fresh entropy, as a new process draws
        serve(fds[0], fds[1], prepared)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:  # ends as a new interpreter ends on an uncaught interrupt
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


if __name__ == "__main__":
    if sys.argv[1] == "--forks":
        serve_forks(int(sys.argv[2]))
    else:
        serve(int(sys.argv[1]), int(sys.argv[2]))
