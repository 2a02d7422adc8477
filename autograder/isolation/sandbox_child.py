"""The clean room's child process: it runs a student's code and nothing else.

The parent (``autograder.isolation.sandbox``) starts this file BY PATH, as a script, in a fresh
interpreter with resource limits, a scratch working directory and a scrubbed
environment::

    python -I _sandbox_child.py FD_FROM_PARENT FD_TO_PARENT

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



# Landlock file-system access rights (linux/landlock.h), by bit.
_FS_EXECUTE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 2, 1 << 3
_FS_WRITE_FILE, _FS_REMOVE_DIR, _FS_REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
_FS_MAKE_CHAR, _FS_MAKE_DIR, _FS_MAKE_REG, _FS_MAKE_SOCK = 1 << 6, 1 << 7, 1 << 8, 1 << 9
_FS_MAKE_FIFO, _FS_MAKE_BLOCK, _FS_MAKE_SYM = 1 << 10, 1 << 11, 1 << 12
_FS_REFER, _FS_TRUNCATE = 1 << 13, 1 << 14
_SPECIAL_FILES = _FS_MAKE_CHAR | _FS_MAKE_FIFO | _FS_MAKE_BLOCK | _FS_MAKE_SYM


def proc_pids() -> list:
    """The process ids listed in /proc (none where there is no /proc)."""
    try:
        return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return []


def process_limit(more: int, *, before_exec: bool = False) -> int:
    """An RLIMIT_NPROC that lets this user start ``more`` processes or threads beyond those running now.

    The limit counts every process and thread of the user, so it is set relative to the
    present count: a fork bomb stops after ``more`` (the superuser is not bound by it).
    ``before_exec``: this process is about to exec another program, which starts with one
    thread, so its own helper threads (BLAS's, for one) are not counted as present.
    """
    uid, count, me = os.getuid(), 0, os.getpid()
    for pid in proc_pids():
        try:
            with open(f"/proc/{pid}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += 1 if before_exec and pid == me else int(fields.get("Threads", "1"))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return count + more


def landlock_abi():
    """The kernel's Landlock ABI version (0: unavailable or not a supported platform)."""
    import ctypes
    import platform

    if sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"):
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(0, abi)


def landlock(writable, *, readable=None, net=True, bind_ports=None, scoped=True, special_files=True,
             label=None, read_label=None):
    """Forbid writing anywhere but beneath the folders ``writable`` (and, if asked, network and signals).

    Linux Landlock, through raw system calls: no privileges needed, inherited by any
    process the restricted one starts, kept across ``execve``. ``readable``: None (reads
    stay allowed everywhere) or the only files and folders that may be read (and the
    ``writable`` folders); a path in it that does not exist is left out. ``net``: forbid
    TCP bind and connect (ABI >= 4). ``bind_ports``: forbid TCP connect and every bind but
    to these ports (a Jupyter kernel binds its five ports and connects nowhere). ``scoped``: forbid
    signals and abstract unix sockets towards processes outside the sandbox (ABI >= 6).
    ``special_files=False``: even beneath ``writable``, no symbolic links, FIFOs or
    device nodes can be made (so nothing planted there can redirect a later write by
    someone else). Returns a description of what was applied: it starts with
    ``"Landlock"`` when applied, with ``"none"`` when not.
    """
    import ctypes
    import platform

    if isinstance(writable, (str, bytes, os.PathLike)):
        writable = [writable]
    writable = list(writable)
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"):
        return "none (Landlock needs Linux on x86_64 or aarch64)"
    libc = ctypes.CDLL(None, use_errno=True)
    create, add_rule, restrict = 444, 445, 446
    abi = libc.syscall(create, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return "none (Landlock is not enabled in this kernel)"
    write = _FS_WRITE_FILE | _FS_REMOVE_DIR | _FS_REMOVE_FILE | sum(1 << b for b in range(6, 13))
    if abi >= 2:
        write |= _FS_REFER  # moving files across directories
    if abi >= 3:
        write |= _FS_TRUNCATE
    allowed = write if special_files else write & ~_SPECIAL_FILES
    read = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
    handled = write
    rules = [(folder, allowed) for folder in writable]
    if readable is not None:
        handled |= read
        rules = [(folder, allowed | read) for folder in writable]
        rules += [(path, read) for path in readable]
    if readable is not None:
        readable = [path for path in readable if os.path.exists(path)]
    if bind_ports is not None:
        net = True
    net = 0b11 if net and abi >= 4 else 0  # bind and connect over TCP
    scoped = 0b11 if scoped and abi >= 6 else 0  # abstract unix sockets and signals outside the sandbox

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    class NetPort(ctypes.Structure):
        _fields_ = [("allowed", ctypes.c_uint64), ("port", ctypes.c_uint64)]

    attr = RulesetAttr(handled, net, scoped)
    size = 24 if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"none (landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())})"
    try:
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | (os.O_DIRECTORY if rights & _FS_WRITE_FILE else 0))
            except OSError as exc:
                return f"none (cannot open {os.fsdecode(path)}: {exc.strerror})"
            try:
                if not os.path.isdir(path):  # a file takes only the rights that apply to files
                    rights &= _FS_EXECUTE | _FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE
                rule = PathBeneath(rights, fd)
                if libc.syscall(add_rule, ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    return f"none (landlock_add_rule failed: {os.strerror(ctypes.get_errno())})"
            finally:
                os.close(fd)
        for port in (bind_ports or []) if net else []:
            rule = NetPort(1, int(port))  # LANDLOCK_ACCESS_NET_BIND_TCP on this port
            if libc.syscall(add_rule, ruleset, 2, ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                return f"none (landlock_add_rule failed for port {port}: {os.strerror(ctypes.get_errno())})"
        if libc.prctl(38, 1, 0, 0, 0) < 0:  # PR_SET_NO_NEW_PRIVS, required by restrict_self
            return "none (PR_SET_NO_NEW_PRIVS failed)"
        if libc.syscall(restrict, ruleset, ctypes.c_uint32(0)) < 0:
            return f"none (landlock_restrict_self failed: {os.strerror(ctypes.get_errno())})"
    finally:
        os.close(ruleset)
    parts = [f"writes only in {label or 'the scratch folder'}"]
    if readable is not None:
        parts.append(f"reads only {read_label or 'the allowed files'}")
    if not special_files:
        parts.append("no links or special files")
    if net and bind_ports:
        parts.append(f"TCP only to listen on ports {', '.join(str(p) for p in bind_ports)}")
    elif net:
        parts.append("no TCP")
    if scoped:
        parts.append("no signals outside the sandbox")
    return f"Landlock ABI {abi}: " + ", ".join(parts)


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


# Per machine: the audit architecture, the system calls that change a file's mode or
# owner by path (x86_64 chmod, chown, lchown, fchownat, fchmodat, fchmodat2; aarch64
# fchmodat, fchownat, fchmodat2), io_uring_setup (its requests bypass this filter) and socket.
_SYSCALLS = {"x86_64": (0xC000003E, (90, 92, 94, 260, 268, 452, 425), 41),
             "aarch64": (0xC00000B7, (53, 54, 452, 425), 198)}
_AF_UNIX, _AF_INET, _AF_INET6, _AF_NETLINK, _SOCK_STREAM = 1, 2, 10, 16, 1


def restrict_syscalls(*, sockets: str = "tcp") -> str:
    """A seccomp filter: no chmod or chown by path, no io_uring, and sockets only of one kind.

    Landlock restricts opening, creating and removing files but not changing their mode
    or owner (code that may not write the gradebook could still make it unreadable to
    the grader with ``os.chmod``), nor connecting to a UNIX socket by path (a Docker or
    D-Bus socket would be a way out), nor UDP. ``sockets="tcp"``: only TCP sockets and
    netlink (what a Jupyter kernel uses); ``"none"``: no socket at all. ``fchmod`` on a
    file the process could open, and ``socketpair``, stay allowed. Calls refused get
    EPERM. Inherited by child processes and kept across ``execve``. Returns a
    description: ``"seccomp: ..."`` when applied, ``"none (...)"`` when not.
    """
    import ctypes
    import platform

    machine = platform.machine()
    if sys.platform != "linux" or machine not in _SYSCALLS:
        return "none (the seccomp filter needs Linux on x86_64 or aarch64)"
    arch, refused, socket_nr = _SYSCALLS[machine]
    LOAD, JEQ, JGE, AND, RET = 0x20, 0x15, 0x35, 0x54, 0x06
    ALLOW, DENY = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    NR, ARCH, ARG0, ARG1 = 0, 4, 16, 24  # offsets in struct seccomp_data (low words, little-endian)
    # (op, k, jump-if-true label, jump-if-false label); None: the next instruction
    code = [(LOAD, ARCH, None, None), (JEQ, arch, None, "deny"), (LOAD, NR, None, None)]
    if machine == "x86_64":
        code.append((JGE, 0x40000000, "deny", None))  # the x32 ABI's numbers
    code += [(JEQ, nr, "deny", None) for nr in refused]
    code.append((JEQ, socket_nr, None, "allow"))
    if sockets == "none":
        code.append((RET, DENY, None, None))
    else:
        code += [(LOAD, ARG0, None, None), (JEQ, _AF_NETLINK, "allow", None),
                 (JEQ, _AF_INET, "inet", None), (JEQ, _AF_INET6, "inet", "deny"),
                 ("inet", None, None, None), (LOAD, ARG1, None, None), (AND, 0xF, None, None),
                 (JEQ, _SOCK_STREAM, "allow", "deny")]
    code += [("allow", None, None, None), (RET, ALLOW, None, None),
             ("deny", None, None, None), (RET, DENY, None, None)]
    labels, program = {}, []
    for ins in code:
        if isinstance(ins[0], str):
            labels[ins[0]] = len(program)
        else:
            program.append(ins)

    def offset(target, here):
        return 0 if target is None else labels[target] - here - 1

    program = [(op, offset(jt, i) if op in (JEQ, JGE) else 0, offset(jf, i) if op in (JEQ, JGE) else 0, k)
               for i, (op, k, jt, jf) in enumerate(program)]

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                    ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*[Filter(*ins) for ins in program])
    prog = Program(len(program), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) < 0:  # PR_SET_NO_NEW_PRIVS, required for an unprivileged filter
        return "none (PR_SET_NO_NEW_PRIVS failed)"
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) < 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        return f"none (seccomp failed: {os.strerror(ctypes.get_errno())})"
    allowed = "no sockets" if sockets == "none" else "sockets: TCP and netlink only"
    return f"seccomp: no chmod or chown by path, no io_uring, {allowed}"


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


def serve(fd_in, fd_out):
    channel = _Channel(fd_in, fd_out)
    captured = _CappedText()
    sys.stdout = sys.stderr = captured
    kind, init = channel.receive()
    assert kind == "init"
    _block_course_packages()
    import numpy  # noqa: F401  (loaded before student code, like the notebook's setup)
    import numpy.testing  # noqa: F401  (so that a patch of it is seen: 25 ms)

    isolation = landlock([os.getcwd()], readable=python_files(), read_label="Python's and its libraries' files")
    if isolation.startswith("Landlock"):
        isolation += "; " + restrict_syscalls(sockets="none")

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


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
