"""How a process that runs student code is confined: Landlock, seccomp and process limits.

Plain system calls through ``ctypes``, no privileges needed, nothing of the kit imported:
the clean room's child (``sandbox_child``, run as a script outside the package) loads this
file by path, and the grading kernels' jail (``kernel_jail``) imports it.

- :func:`landlock`: write only beneath given folders, optionally read only given files,
  no TCP, no signals outside the sandbox;
- :func:`restrict_syscalls`: a seccomp filter for what Landlock does not cover (chmod and
  chown by path, io_uring, sockets);
- :func:`process_limit`: an ``RLIMIT_NPROC`` relative to the processes running now.
"""
import os
import sys

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
