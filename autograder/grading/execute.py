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
  and takes the worker's spare kernel when one is ready.
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



def make_batch_execute(*, stats: ExecutionStats, manager_class=None, spare=None,
                       output_cap: int = OUTPUT_CAP_BYTES):
    """nbgrader's ``Execute``, capped and timed, for one worker.

    ``stats``: where the times go; ``manager_class``: the kernel manager of every kernel
    (``autograder.isolation.kernels.kernel_manager_class``); ``spare``: a
    ``SpareKernel`` or None; ``output_cap``: bytes of output kept per cell.
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
