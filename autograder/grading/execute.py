"""nbgrader's ``Execute`` step of one grading worker: capped output, timed cells, a spare kernel.

:func:`make_batch_execute` builds, once per worker, a subclass of nbgrader's
``Execute`` preprocessor that the worker puts in place of it in nbgrader's
``Autograde`` converter. Grading itself stays nbgrader's (same preprocessors, same
order, same ``determine_grade``); the subclass only

- caps the output a cell keeps (``output_cap`` bytes): beyond it stdout and display
  outputs are dropped, while errors, the first stderr stream and execute results are
  kept (trimmed), because ``determine_grade`` reads them: grades are unchanged by the cap;
- measures the time spent starting kernels and executing cells (:class:`ExecutionStats`);
- starts kernels with the worker's kernel manager (jail, kit first on the import path)
  and takes the worker's spare kernel when one is ready;
- ends a notebook at its first cell that runs past the cell timeout
  (:class:`CellRanTooLong`): the kernel is interrupted, killed when it has not stopped
  within ``grace`` seconds (SIGINT ignored, a loop in C code, a handler that carries
  on), and no further cell runs. nbgrader's own handling would interrupt the kernel and
  go on with the next cell, so a looping function called by ten cells (its tests, the
  lesson's demos) cost ten timeouts; now it costs one, plus the grace.
"""
from __future__ import annotations

import contextlib
import json
import os
import time

from autograder.isolation.kernels import HIST_ARG, stop_kernel

# Output kept per cell, in bytes, when the settings do not say.
OUTPUT_CAP_BYTES = 2 * 1024 * 1024
# What is kept of an output over the cap that grading reads.
TRIM_CHARS = 20_000


class ExecutionStats:
    """Time spent starting kernels and executing cells in this worker, per submission."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.execute = 0.0
        self.kernel = 0.0
        self.timed_out = ""  # why the notebook's run was ended at a cell timeout ("" when it was not)


class CellRanTooLong(RuntimeError):
    """A cell ran past the cell timeout: the notebook's run ends here (the message says which exercise)."""


def exercise_of_cell(cell) -> str:
    """The exercise a cell belongs to or calls, or ''.

    A test cell's grade_id (``test_lloyd``, ``test_lloyd_hidden``) or a solution cell's
    (``lloyd``) names it; any other cell (a lesson's demo) names the first exercise it calls.

    >>> exercise_of_cell({"metadata": {"nbgrader": {"grade_id": "test_lloyd_hidden"}}, "source": ""})
    'lloyd'
    >>> exercise_of_cell({"metadata": {}, "source": "M, Y, losses = lloyd(X, M0)"})
    'lloyd'
    """
    import ast

    from autograder import exercises

    known = exercises.names()
    grade_id = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
    name = grade_id.removeprefix("test_").removesuffix("_hidden")
    if name in known:
        return name
    source = cell.get("source", "")
    try:
        tree = ast.parse("".join(source) if isinstance(source, list) else source)
    except SyntaxError:
        return ""
    called = [node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    return next((name for name in called if name in known), "")



def make_batch_execute(*, stats: ExecutionStats, manager_class=None, spare=None,
                       output_cap: int = OUTPUT_CAP_BYTES, grace: float = 3.0):
    """nbgrader's ``Execute``, capped and timed, for one worker.

    ``stats``: where the times go (and why a run was ended at a timeout); ``manager_class``:
    the kernel manager of every kernel (``autograder.isolation.kernels.kernel_manager_class``);
    ``spare``: a ``SpareKernel`` or None; ``output_cap``: bytes of output kept per cell;
    ``grace``: seconds an interrupted kernel has to stop before it is killed.
    """
    from nbformat.v4 import new_output
    from nbgrader.preprocessors import Execute
    from traitlets import default

    spare_kernels = spare

    class BatchExecute(Execute):
        """nbgrader's Execute with a cap on kept output and timing of cells and kernel start."""

        def __init__(self, *args, **kwargs):
            # every kernel of the batch starts through the worker's kernel manager (jail, kit path)
            if manager_class is not None:
                kwargs.setdefault("kernel_manager_class", manager_class)
            super().__init__(*args, **kwargs)

        # Once the last cell has run, the kernel has nothing left to do: stop it at once
        # instead of asking it to shut down and waiting (nbclient's "graceful" default).
        @default("shutdown_kernel")
        def _shutdown_default(self):
            return "immediate"

        def preprocess(self, nb, resources=None, km=None):
            self._kept_bytes = {}
            self._capped = set()
            self._stderr_kept = set()
            self._chdir_to = None
            name = self.kernel_name or nb.metadata.get("kernelspec", {}).get("name", "python")
            args = list(self.extra_arguments) + [HIST_ARG]
            spare = None
            if km is None and spare_kernels is not None:
                spare = spare_kernels.take(name, args)
                if spare is not None:
                    path = (resources or {}).get("metadata", {}).get("path") or os.getcwd()
                    self._chdir_to = os.path.abspath(path)
            try:
                result = super().preprocess(nb, resources, km=spare if spare is not None else km)
            finally:
                if spare is not None:  # nbclient does not stop a kernel it was handed
                    with contextlib.suppress(Exception):
                        self._cleanup_kernel()
                    stop_kernel(spare)
            return result

        # nbclient's sync entry points (start_new_kernel, execute_cell, ...) wrap its
        # async functions directly, so timing hooks go on the sync methods nbconvert calls.
        def start_new_kernel(self, **kwargs):
            start = time.perf_counter()
            try:
                return super().start_new_kernel(**kwargs)
            finally:
                stats.kernel += time.perf_counter() - start

        def start_new_kernel_client(self):
            start = time.perf_counter()
            try:
                return super().start_new_kernel_client()
            finally:
                stats.kernel += time.perf_counter() - start

        def preprocess_cell(self, cell, resources, index):
            start = time.perf_counter()
            self._current_index = index
            if self._chdir_to is not None:
                # a spare kernel: move it to the notebook's folder, silently
                target, self._chdir_to = self._chdir_to, None
                msg_id = self.kc.execute(f"__import__('os').chdir({target!r})", silent=True,
                                         store_history=False, allow_stdin=False)
                self.wait_for_reply(msg_id)
            try:
                return super().preprocess_cell(cell, resources, index)
            finally:
                stats.execute += time.perf_counter() - start

        async def _async_handle_timeout(self, timeout, cell=None):
            """A cell ran past ``timeout``: interrupt, kill after the grace, and end the notebook.

            nbclient would interrupt and carry on with the next cell; here no cell runs after
            this one in this kernel (dead, or poisoned by whatever state the loop left), so a
            looping function costs one timeout however many cells call it.
            """
            from jupyter_core.utils import ensure_async

            name = exercise_of_cell(cell or {})
            what = name or f"cell {getattr(self, '_current_index', '?')}"
            self.log.error("Timeout waiting for execute reply (%ss) in %s; interrupting the kernel", timeout, what)
            stopped = False
            with contextlib.suppress(Exception):
                await ensure_async(self.km.interrupt_kernel())
                stopped = await self._reply_within(grace)
            if not stopped:
                self.log.error("The kernel did not stop within %ss of the interrupt; killing it", grace)
                with contextlib.suppress(Exception):
                    await ensure_async(self.km.shutdown_kernel(now=True))
            how = ("the kernel was interrupted" if stopped else
                   f"the kernel did not stop within {grace:g} s of the interrupt and was killed")
            stats.timed_out = (f"{what}: ran past the {timeout} s cell timeout; {how}, "
                               "and the cells after it were not run")
            raise CellRanTooLong(stats.timed_out)

        async def _reply_within(self, seconds: float) -> bool:
            """Whether the kernel answers the running cell (an execute reply) within ``seconds``."""
            from queue import Empty

            from jupyter_core.utils import ensure_async

            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                try:
                    msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
                except Empty:
                    return False
                if msg.get("msg_type") == "execute_reply":
                    return True
            return False

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or not outs or outs[-1] is not out:
                return out
            kept = getattr(self, "_kept_bytes", None)
            if kept is None:
                return out
            size = _output_size(out)
            used = kept.get(cell_index, 0)
            if used + size <= output_cap:
                kept[cell_index] = used + size
                return out
            # Over the cap. Keep what grading reads, trimmed; drop the rest.
            kind = out.get("output_type")
            is_stderr = kind == "stream" and out.get("name") == "stderr"
            if kind in ("error", "execute_result") or (is_stderr and cell_index not in self._stderr_kept):
                _trim_output(out)
                if is_stderr:
                    self._stderr_kept.add(cell_index)
            else:
                outs.pop()
                out = None
            if cell_index not in self._capped:
                self._capped.add(cell_index)
                outs.append(new_output(
                    "stream", name="stdout",
                    text=f"\n[output truncated by the grader: more than {output_cap // 1024} KB]\n"))
            return out

    return BatchExecute


def _output_size(out) -> int:
    kind = out.get("output_type")
    if kind == "stream":
        return len(out.get("text", ""))
    if kind == "error":
        return sum(len(x) for x in out.get("traceback", [])) + len(out.get("evalue", ""))
    data = out.get("data", {})
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())


def _trim_output(out) -> None:
    if out.get("output_type") == "stream":
        out["text"] = out["text"][:TRIM_CHARS]
    elif out.get("output_type") == "error":
        out["evalue"] = out.get("evalue", "")[:TRIM_CHARS]
        out["traceback"] = [line[:TRIM_CHARS] for line in out.get("traceback", [])[-20:]]
    else:
        data = out.get("data", {})
        out["data"] = {k: (v[:TRIM_CHARS] if isinstance(v, str) else v)
                       for k, v in data.items() if k == "text/plain"}
