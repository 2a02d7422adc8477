"""The kit's settings, declared as traitlets ``Configurable``s the way nbgrader declares its own.

Set them in the course's ``nbgrader_config.py``, beside nbgrader's (the same file,
loaded by the same traitlets loader, :class:`autograder.course.Course`)::

    c.Grading.workers = 8
    c.Grading.kernel_memory = 4 * 1024**3
    c.CleanRoom.cpu_seconds = 600

or for one run on the command line, which wins over the file::

    kmeans-course autograde --Grading.workers=8 --CleanRoom.memory=3000000000

``kmeans-course --help-all`` lists every setting with its help and default.

A grading worker gets all it needs as ONE frozen, picklable :class:`GradingSettings`
built from these (:func:`grading_settings`), never the Configurables themselves.

>>> from traitlets.config import Config
>>> c = Config(); c.Grading.workers = 3; c.Execute.timeout = 45
>>> a = Grading(config=c)
>>> a.workers, a.cell_timeout, a.kernel_memory == 2 * 1024**3
(3, 45, True)
"""
from __future__ import annotations

from dataclasses import dataclass

from traitlets import Bool, Float, Int, List, Unicode, default
from traitlets.config import Config, Configurable

from autograder.isolation.sandbox import Limits

# The post-grading hook that makes the clean room's scores the recorded ones.
CLEAN_ROOM_HOOK = "autograder.grading.cleanroom:post_grade"
# nbgrader's own default of Execute.timeout (seconds per cell), when the course config sets none.
NBGRADER_CELL_TIMEOUT = 30


class Grading(Configurable):
    """How ``kmeans-course autograde`` grades: workers, limits of the students' kernels, clean room.

    (Not named ``Autograde``: that section of nbgrader_config.py is nbgrader's own converter's.)
    """

    workers = Int(0, help="Grading processes, each running one notebook at a time; 0: one per core."
                  ).tag(config=True)
    cell_timeout = Int(help="Seconds one cell may run before nbgrader stops it. Default: nbgrader's "
                            "c.Execute.timeout from nbgrader_config.py (else nbgrader's own default, 30)."
                       ).tag(config=True)
    timeout_grace = Float(3.0, help="Seconds a kernel has to stop once a cell that ran past the cell timeout "
                                    "was interrupted; past it the kernel is killed (SIGINT ignored, a loop in "
                                    "C code). Either way the notebook's remaining cells are not run: a looping "
                                    "function costs one cell timeout plus this grace, not one per cell calling it."
                          ).tag(config=True)
    submission_timeout = Float(600.0, help="Wall-clock seconds for one submission (every notebook, "
                                           "kernel start and post-grading step); 0: no limit."
                               ).tag(config=True)
    kernel_memory = Int(2 * 1024**3, help="Bytes of resident memory a student's kernel may use (with the "
                                          "processes it starts); past it the kernel is stopped and the "
                                          "student's record says so. 0: no limit.").tag(config=True)
    kernel_processes = Int(256, help="Processes and threads a student's kernel may start beyond the "
                                     "grader's own (RLIMIT_NPROC; a kernel itself runs about ten threads)."
                           ).tag(config=True)
    kernel_threads = Int(0, help="BLAS/OpenMP threads per kernel (OMP_NUM_THREADS, ...); 0: the cores "
                                 "divided among the workers. A variable already set in the environment wins."
                         ).tag(config=True)
    kernel_file_size = Int(256 * 1024**2, help="Largest file, in bytes, a student's kernel may write."
                           ).tag(config=True)
    output_cap = Int(2 * 1024**2, help="Bytes of output a cell keeps; beyond it stdout and displays are "
                                       "dropped, while what grading reads (errors, stderr, the result) is kept."
                     ).tag(config=True)
    clean_room = Bool(True, help="Record the clean room's scores (the checkers call the student's functions "
                                 "in a separate limited process) instead of the kernel's, which student code "
                                 "can game.").tag(config=True)
    post_grade = Unicode("", help="A post-grading hook 'package.module:function' used instead of the clean "
                                  "room (see autograder.grading.autograde).").tag(config=True)
    jail_kernels = Bool(True, help="Start every student's kernel through the jail "
                                   "(python -m autograder.isolation.kernel_jail).").tag(config=True)
    spare_kernel = Bool(True, help="Start each submission's kernel while nbgrader prepares it.").tag(config=True)
    fork_kernels = Bool(True, help="Fork each kernel from a process that has already imported ipykernel, "
                                   "NumPy and pyplot (autograder.isolation.kernel_forks) instead of "
                                   "starting a new Python process.").tag(config=True)
    scheduler = Unicode("", help="A Dask scheduler's address (tcp://HOST:PORT, or tls:// with Dask's TLS "
                                 "settings): grade on its workers, started with `dask worker ADDRESS` and "
                                 "the kit installed (pip install \"kmeans-course[cluster]\"), instead of "
                                 "local processes. Empty: the local pool. The course secret is sent to the "
                                 "workers with each batch: use tls:// on a network you do not trust."
                        ).tag(config=True)
    dev_secret = Bool(False, help="Grade with the public development secret when KMEANS_COURSE_SECRET is "
                                  "unset (for trying the kit, never for a real class).").tag(config=True)

    @default("cell_timeout")
    def _cell_timeout_default(self):
        execute = self.config.get("Execute", {})
        return int(execute.get("timeout", NBGRADER_CELL_TIMEOUT) or NBGRADER_CELL_TIMEOUT)

    def hook(self) -> str | None:
        """The post-grading hook's name: ``post_grade``, else the clean room's, else None."""
        if self.post_grade:
            return self.post_grade
        return CLEAN_ROOM_HOOK if self.clean_room else None


class CleanRoom(Configurable):
    """Limits of the clean room's process, where the checkers call the student's functions."""

    call_seconds = Float(Limits.call_seconds, help="Wall-clock seconds for one call of a student function."
                         ).tag(config=True)
    start_seconds = Float(Limits.start_seconds, help="Seconds to start, import and run the notebook's cells."
                          ).tag(config=True)
    cpu_seconds = Int(Limits.cpu_seconds, help="CPU seconds of the whole process (RLIMIT_CPU).").tag(config=True)
    memory = Int(Limits.memory_bytes, help="Bytes of address space (RLIMIT_AS).").tag(config=True)
    file_size = Int(Limits.file_bytes, help="Largest file, in bytes, it may write (RLIMIT_FSIZE).").tag(config=True)
    processes = Int(Limits.processes, help="Processes and threads beyond the user's present ones (RLIMIT_NPROC)."
                    ).tag(config=True)
    fork = Bool(True, help="In a grading worker, fork each clean-room process from a server that has already "
                           "imported NumPy, matplotlib and IPython (autograder.isolation.sandbox.SandboxForks) "
                           "instead of starting a new Python.").tag(config=True)

    def limits(self) -> Limits:
        return Limits(call_seconds=self.call_seconds, start_seconds=self.start_seconds,
                      cpu_seconds=self.cpu_seconds, memory_bytes=self.memory, file_bytes=self.file_size,
                      processes=self.processes)


class Similarity(Configurable):
    """When the class report shows two submissions as alike, or code as close to the reference.

    The defaults are those of ``autograder.integrity.similarity.similar_pairs`` and
    ``reference_closeness``.
    """

    threshold = Float(0.8, help="Share of a pair's exercise code that must match.").tag(config=True)
    min_tokens = Int(30, help="Tokens of its own an exercise needs to be compared.").tag(config=True)
    min_exercises = Int(2, help="Exercises that must be alike, unless one long exercise is.").tag(config=True)
    max_share = Float(0.1, help="A match shared by more than this share of the class is common ground, "
                                "not evidence.").tag(config=True)
    reference_threshold = Float(0.7, help="Share of an exercise's code found in the reference implementation."
                                ).tag(config=True)
    reference_min_run = Int(16, help="Tokens of the shortest run that counts as found in the reference."
                            ).tag(config=True)

    def pair_options(self) -> dict:
        """Keyword arguments of ``similarity.similar_pairs``."""
        return {"threshold": self.threshold, "min_tokens": self.min_tokens,
                "min_exercises": self.min_exercises, "max_share": self.max_share}

    def reference_options(self) -> dict:
        """Keyword arguments of ``similarity.reference_closeness``."""
        return {"threshold": self.reference_threshold, "min_tokens": self.min_tokens,
                "min_run": self.reference_min_run}


class Lessons(Configurable):
    """The course's lessons."""

    lessons = List(Unicode(), help="Lesson ids in teaching order; lessons in solutions/ not listed come after, "
                                   "in name order.").tag(config=True)


# Every Configurable of the kit, in the order --help-all lists them.
CLASSES = (Grading, CleanRoom, Similarity, Lessons)


def help_all() -> str:
    """Every setting of the kit, with help and default (as ``nbgrader --help-all`` lists its own)."""
    return "\n".join(cls.class_get_help() for cls in CLASSES)


def command_line_config(args: list[str]) -> Config:
    """A Config from ``--Class.trait=value`` arguments (traitlets' own parser); a clear error otherwise."""
    from traitlets.config.loader import ArgumentError, KVArgParseConfigLoader

    names = {cls.__name__ for cls in CLASSES}
    for arg in args:
        name = arg[2:].split(".", 1)[0] if arg.startswith("--") and "." in arg else ""
        if name not in names:
            raise ValueError(f"unknown option {arg!r}: settings are given as --Class.name=value, with Class one of "
                             f"{', '.join(sorted(names))} (see kmeans-course --help-all)")
    from traitlets import TraitError

    try:
        config = KVArgParseConfigLoader(list(args), classes=list(CLASSES)).load_config()
        for cls in CLASSES:  # a value of the wrong kind is an error now, not in the middle of a batch
            cls(config=config)
    except (ArgumentError, SystemExit, TraitError) as exc:
        raise ValueError(f"could not read the settings {' '.join(args)}: {exc}") from None
    return config


@dataclass(frozen=True)
class GradingSettings:
    """Everything a grading worker needs to know, as one picklable value (built by the batch's parent)."""

    state_dir: str  # the batch's private folder (logs, scratch gradebooks)
    cell_timeout: int  # seconds per cell (nbgrader's Execute.timeout)
    submission_timeout: float  # wall-clock seconds per submission; 0: none
    kernel_memory: int  # resident bytes per kernel; 0: none
    kernel_processes: int
    kernel_threads: int  # BLAS threads per kernel
    kernel_file_size: int
    output_cap: int  # bytes of output kept per cell
    post_grade: str | None  # "package.module:function" or None
    jail_kernels: bool
    spare_kernel: bool
    clean_room_limits: Limits
    fork_kernels: bool = True
    fork_sandboxes: bool = True  # the clean room's processes, from a fork server (CleanRoom.fork)
    alembic_version: str = ""  # the course gradebook's schema version (stamped on scratch gradebooks)
    kit: tuple = ()  # the package folders of the kit the parent runs: the workers must run the same
    timeout_grace: float = 3.0  # seconds an interrupted kernel has to stop before it is killed
    scratch_dir: str = ""  # this batch's own scratch folder (scratch gradebooks, kernel folders)

    @property
    def clean_room(self) -> bool:
        return self.post_grade == CLEAN_ROOM_HOOK


def grading_settings(config: Config, *, state_dir: str, kernel_threads: int, alembic_version: str = "",
                     kit: tuple = (), **overrides) -> GradingSettings:
    """The workers' settings from a Config (the course's nbgrader_config.py merged with the command line).

    ``overrides``: values given to ``autograde.main`` directly (None: not given).
    """
    autograde = Grading(config=config)
    clean_room = CleanRoom(config=config)
    for name, value in overrides.items():
        if value is not None:
            setattr(autograde, name, value)
    return GradingSettings(
        state_dir=str(state_dir), cell_timeout=autograde.cell_timeout,
        submission_timeout=autograde.submission_timeout, kernel_memory=autograde.kernel_memory,
        kernel_processes=autograde.kernel_processes,
        kernel_threads=autograde.kernel_threads or kernel_threads, kernel_file_size=autograde.kernel_file_size,
        output_cap=autograde.output_cap, post_grade=autograde.hook(), jail_kernels=autograde.jail_kernels,
        spare_kernel=autograde.spare_kernel, fork_kernels=autograde.fork_kernels,
        clean_room_limits=clean_room.limits(), fork_sandboxes=clean_room.fork,
        alembic_version=alembic_version, kit=tuple(str(p) for p in kit), timeout_grace=autograde.timeout_grace)
