"""``kmeans-course report``: grades.csv, feedback pages, and the class report.

Reads the course gradebook (the scores that count: nbgrader's auto scores, post-grading
overrides, manual grades, late penalties), the batch ledger (graded / failed and why,
flags) and the autograded notebooks (each test cell's diagnosis), and writes:

- ``reports/grades.csv``: a row per student; per assignment its score and status
  (``graded``, ``failed: <reason>``, ``missing``) and a column per exercise; an overall
  status column. A failed or missing assignment has an EMPTY score, never 0.
- ``feedback/<student>/<assignment>/<assignment>.html`` (nbgrader's feedback folder,
  so ``nbgrader release_feedback`` can hand them out): scores, the student's code, each
  failing check's diagnosis; never hidden test code or hidden inputs (``autograder.reporting.feedback``).
- ``reports/class_report.html``: one self-contained page: score distribution per
  assignment, pass rate per exercise, the most frequent diagnosed mistakes, integrity
  flags, and the students whose grading failed, with why. Figures are embedded PNGs.

Example (from the course root)::

    kmeans-course report
"""
from __future__ import annotations

import base64
import csv
import datetime as _dt
import html
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder.reporting import feedback as fb
from autograder.course import Course, make_writable_and_remove
from autograder.grading.merge import LEDGER_NAME, Ledger
from autograder.nbcells import nbgrader_meta


# ----------------------------------------------------------------------------- data


@dataclass
class CellOutcome:
    """One grade cell of one submission: its score and what its outputs diagnose."""

    grade_id: str
    exercise: str
    hidden: bool
    kind: str  # "test" | "written" | "other"
    score: float | None
    max_score: float
    messages: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)
    answer: str | None = None  # a written answer's text


@dataclass
class SubmissionOutcome:
    """One student's result on one assignment."""

    student: str
    assignment: str
    status: str  # "graded" | "failed" | "missing"
    reason: str = ""
    score: float | None = None
    max_score: float = 0.0
    late_penalty: float = 0.0
    cells: list = field(default_factory=list)
    solutions: dict = field(default_factory=dict)  # exercise -> the student's code
    flags: list = field(default_factory=list)
    needs_manual: bool = False

    @property
    def auto_fraction(self):
        """Score over the points graded so far (cells awaiting a human left out), late penalty included."""
        graded = [c for c in self.cells if c.score is not None]
        possible = sum(c.max_score for c in graded)
        if not possible:
            return None
        return max(0.0, sum(c.score for c in graded) - (self.late_penalty or 0.0)) / possible

    def exercises(self) -> list:
        seen = []
        for c in self.cells:
            if c.exercise not in seen:
                seen.append(c.exercise)
        return seen

    def exercise_score(self, exercise: str):
        cells = [c for c in self.cells if c.exercise == exercise]
        if not cells or any(c.score is None for c in cells):
            return None
        return sum(c.score for c in cells)


@dataclass
class ClassResults:
    """Everything the reports need, per assignment and student."""

    course_id: str
    assignments: list  # ids in order
    exercises: dict  # assignment -> [(exercise, max points)] in notebook order
    students: list  # ids, sorted
    outcomes: dict  # (student, assignment) -> SubmissionOutcome
    max_scores: dict  # assignment -> max points

    def outcome(self, student: str, assignment: str) -> SubmissionOutcome:
        return self.outcomes.get((student, assignment)) or SubmissionOutcome(student, assignment, "missing")


# ----------------------------------------------------------------------------- reading


def _mistake_index() -> dict:
    """exercise -> [(catalogue message, id)] (empty if the catalogue is not importable)."""
    try:
        from autograder import mistakes
    except Exception:
        return {}
    index = defaultdict(list)
    for m in mistakes.all_mistakes():
        index[m.exercise].append((m.message, m.id))
    return index


def _match_mistakes(exercise: str, messages: list, index: dict) -> list:
    found = []
    for text in messages:
        for message, mid in index.get(exercise, []):
            if message and message in text and mid not in found:
                found.append(mid)
    return found


def _read_notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _grade_rows(gb) -> list:
    """(student, assignment, notebook, cell, score, auto, manual, max, late penalty) of every grade."""
    from nbgrader.api import (Assignment, Grade, GradeCell, Notebook, SubmittedAssignment, SubmittedNotebook,
                              TaskCell)

    rows = []
    for cell_cls in (GradeCell, TaskCell):
        q = (gb.db.query(SubmittedAssignment.student_id, Assignment.name, Notebook.name, cell_cls.name,
                         Grade.score, Grade.auto_score, Grade.manual_score, cell_cls.max_score,
                         SubmittedNotebook.late_submission_penalty)
             .join(SubmittedNotebook, SubmittedNotebook.id == Grade.notebook_id)
             .join(SubmittedAssignment, SubmittedAssignment.id == SubmittedNotebook.assignment_id)
             .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
             .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id)
             .join(cell_cls, cell_cls.id == Grade.cell_id))
        rows.extend(q.all())
    return rows


def gather(course: Course, assignments: list | None = None) -> ClassResults:
    """Read gradebook, ledger and autograded notebooks into a :class:`ClassResults`."""
    from nbgrader.api import Gradebook

    from autograder.grading.gradebook import export_structure

    ledger = Ledger(course.state / LEDGER_NAME).latest()
    course.require_gradebook()
    with Gradebook(course.db_url, course.course_id) as gb:
        known = sorted(a.name for a in gb.assignments)
        wanted = [a for a in (assignments or known) if a in known]
        structure = export_structure(gb, wanted)
        students = {s.id for s in gb.students}
        rows = _grade_rows(gb)

    exercises, max_scores, cell_order = {}, {}, {}
    for a in wanted:
        order, ex_points = [], {}
        for nb in structure[a]["notebooks"]:
            for cell in nb["cells"]:
                if cell["type"] in ("GradeCell", "TaskCell"):
                    order.append((nb["name"], cell["name"]))
                    ex, _ = fb.exercise_of(cell["name"])
                    ex_points[ex] = ex_points.get(ex, 0.0) + cell["max_score"]
        cell_order[a] = order
        exercises[a] = list(ex_points.items())
        max_scores[a] = sum(ex_points.values())

    by_submission = defaultdict(dict)
    late = {}
    for student, a, nb, cell, score, auto, manual, max_score, penalty in rows:
        if a not in wanted:
            continue
        by_submission[(student, a)][(nb, cell)] = (score, auto, manual, max_score)
        late[(student, a)] = late.get((student, a), 0.0) + (penalty or 0.0)

    # submissions: in the ledger, in the gradebook, or waiting in submitted/
    keys = set(by_submission)
    for rec in ledger.values():
        if rec.get("assignment") in wanted:
            keys.add((rec["student"], rec["assignment"]))
    if course.submitted.is_dir():
        for sdir in course.submitted.iterdir():
            if sdir.is_dir() and not sdir.name.startswith("."):
                students.add(sdir.name)
                for a in wanted:
                    if (sdir / a).is_dir():
                        keys.add((sdir.name, a))
    students |= {s for s, _ in keys}

    index = _mistake_index()
    outcomes = {}
    for student, a in sorted(keys):
        outcomes[(student, a)] = _outcome(course, student, a, ledger.get(f"{student}/{a}"),
                                          by_submission.get((student, a), {}), cell_order[a],
                                          late.get((student, a), 0.0), index)
    return ClassResults(course.course_id, wanted, exercises, sorted(students), outcomes, max_scores)


def _outcome(course, student, assignment, record, grades, order, late_penalty, index) -> SubmissionOutcome:
    path = course.autograded_dir(student, assignment)
    if record is None and all(auto is None and manual is None for _, auto, manual, _ in grades.values()):
        # collected but never graded (or stock nbgrader failed on it, leaving no scores)
        return SubmissionOutcome(student, assignment, "missing", reason="submitted but not graded yet")
    if record is not None and record["status"] == "failed":
        return SubmissionOutcome(student, assignment, "failed", reason=record.get("reason", ""),
                                 flags=record.get("flags", []), max_score=0.0)
    outcome = SubmissionOutcome(student, assignment, "graded", flags=(record or {}).get("flags", []),
                                late_penalty=late_penalty)
    diagnoses_from_hook = (record or {}).get("diagnoses", {})
    notebooks = {}
    for nb_name, _ in order:
        if nb_name not in notebooks:
            notebooks[nb_name] = _read_notebook(path / f"{nb_name}.ipynb") or {"cells": []}
    cells_by_id = {}
    for nb_name, nb in notebooks.items():
        for cell in nb.get("cells", []):
            nbg = nbgrader_meta(cell)
            if nbg.get("grade_id"):
                cells_by_id[(nb_name, nbg["grade_id"])] = cell
                if nbg.get("solution") and not nbg.get("grade") and cell.get("cell_type") == "code":
                    outcome.solutions[nbg["grade_id"]] = fb._text(cell.get("source"))
    total, possible = 0.0, 0.0
    for nb_name, gid in order:
        score, auto, manual, max_score = grades.get((nb_name, gid), (None, None, None, 0.0))
        if auto is None and manual is None:
            score = None
        ex, hidden = fb.exercise_of(gid)
        cell = cells_by_id.get((nb_name, gid), {})
        nbg = nbgrader_meta(cell)
        kind = "written" if nbg.get("solution") else ("test" if gid.startswith("test_") else "other")
        c = CellOutcome(gid, ex, hidden, kind, score, float(max_score or 0.0))
        if kind == "written":
            c.answer = fb._text(cell.get("source"))
        elif cell:
            diag = fb.diagnose_cell(cell, hidden=hidden)
            c.messages = diag.messages
        hook_text = diagnoses_from_hook.get(nb_name, {}).get(gid)
        if hook_text:
            c.messages = [hook_text]
        c.mistakes = _match_mistakes(ex, c.messages, index)
        outcome.cells.append(c)
        possible += c.max_score
        if score is None:
            outcome.needs_manual = True
        else:
            total += score
    outcome.max_score = possible
    outcome.score = max(0.0, total - (late_penalty or 0.0))
    return outcome


# ----------------------------------------------------------------------------- grades.csv


def status_text(outcome: SubmissionOutcome) -> str:
    if outcome.status == "failed":
        return f"failed: {outcome.reason}"
    if outcome.status == "missing":
        return "missing" if not outcome.reason else f"missing ({outcome.reason})"
    return "graded" + (" (needs manual grading)" if outcome.needs_manual else "")


def write_grades_csv(results: ClassResults, path: Path) -> Path:
    """A row per student: total, overall status; per assignment score, status and exercises."""
    header = ["student_id", "total", "max_total", "status"]
    for a in results.assignments:
        header += [a, f"{a} status"] + [f"{a}:{ex}" for ex, _ in results.exercises[a]]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for student in results.students:
            row, problems, total = [], [], 0.0
            for a in results.assignments:
                o = results.outcome(student, a)
                if o.status == "graded":
                    total += o.score or 0.0
                else:
                    problems.append(f"{a} {status_text(o)}")
                row += [_num(o.score) if o.status == "graded" else "", status_text(o)]
                row += [_num(o.exercise_score(ex)) if o.status == "graded" else "" for ex, _ in results.exercises[a]]
            overall = "graded" if not problems else "; ".join(problems)
            max_total = sum(results.max_scores.values())
            writer.writerow([student, _num(total), _num(max_total), overall] + row)
    return path


def _num(x) -> str:
    return "" if x is None else f"{x:g}"


# ----------------------------------------------------------------------------- class report


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def class_statistics(results: ClassResults) -> dict:
    """Numbers behind the class report (also handy in tests)."""
    stats = {"assignments": {}, "exercises": [], "mistakes": Counter(), "mistake_examples": {},
             "failed": [], "flags": []}
    for a in results.assignments:
        outs = [results.outcome(s, a) for s in results.students]
        graded = [o for o in outs if o.status == "graded"]
        pct = [100.0 * o.auto_fraction for o in graded if o.auto_fraction is not None]
        stats["assignments"][a] = {
            "graded": len(graded), "failed": sum(o.status == "failed" for o in outs),
            "missing": sum(o.status == "missing" for o in outs), "percent": pct,
            "mean": sum(pct) / len(pct) if pct else None,
            "median": sorted(pct)[len(pct) // 2] if pct else None,
        }
        for ex, possible in results.exercises[a]:
            scored = [o.exercise_score(ex) for o in graded]
            scored = [x for x in scored if x is not None]
            if not ex.startswith("written_") and scored:
                full = sum(1 for x in scored if x >= possible - 1e-9)
                stats["exercises"].append({"assignment": a, "exercise": ex, "n": len(scored),
                                           "pass_rate": full / len(scored),
                                           "mean_fraction": sum(scored) / (possible * len(scored))})
        for o in graded:
            per_student = set()
            for c in o.cells:
                keys = c.mistakes or ([] if c.score is None or c.score >= c.max_score or not c.messages
                                      else [_unmatched_label(c)])
                for k in keys:
                    if k not in per_student:
                        per_student.add(k)
                        stats["mistakes"][k] += 1
                        stats["mistake_examples"].setdefault(k, (c.exercise, c.messages[0] if c.messages else ""))
            for flag in o.flags:
                stats["flags"].append((o.student, a, flag))
        for o in outs:
            if o.status == "failed":
                stats["failed"].append((o.student, a, o.reason))
    return stats


def _unmatched_label(cell: CellOutcome) -> str:
    """How a failing check with no catalogue match is counted: per exercise."""
    text = " ".join(cell.messages).lower()
    if "not implemented yet" in text or "notimplementederror" in text:
        return f"{cell.exercise} (not attempted)"
    if cell.messages and cell.messages[0].startswith("NameError"):
        return f"{cell.exercise} (function not defined)"
    return f"{cell.exercise} (no catalogue match)"


def _figures(results: ClassResults, stats: dict) -> dict:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figs = {}
    n = max(1, len(results.assignments))
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False, sharey=True)
    for ax, a in zip(axes.flat, results.assignments):
        pct = stats["assignments"][a]["percent"]
        ax.hist(pct, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001], color="#4c72b0", edgecolor="white")
        mean = stats["assignments"][a]["mean"]
        ax.set_title(f"{a}  (n={len(pct)}" + (f", mean {mean:.0f}%)" if mean is not None else ")"), fontsize=9)
        ax.set_xlim(0, 100)
        ax.set_xlabel("score (% of the points graded so far)", fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes[0][0].set_ylabel("students", fontsize=8)
    fig.suptitle("Score distribution per assignment", fontsize=11)
    fig.tight_layout()
    figs["scores"] = _png(fig)

    ex = stats["exercises"]
    if ex:
        fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(ex) + 1.0))
        labels = [f"{e['assignment']} / {e['exercise']}" for e in ex][::-1]
        rates = [100 * e["pass_rate"] for e in ex][::-1]
        palette = plt.get_cmap("tab10")
        colours = [palette(results.assignments.index(e["assignment"]) % 10) for e in ex][::-1]
        ax.barh(labels, rates, color=colours)
        for y, r in enumerate(rates):
            ax.text(min(r + 1, 92), y, f"{r:.0f}%", va="center", fontsize=7)
        ax.set_xlim(0, 100)
        ax.set_xlabel("students with full marks (%)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_title("Pass rate per exercise (visible + hidden checks)", fontsize=11)
        fig.tight_layout()
        figs["pass_rate"] = _png(fig)

    top = stats["mistakes"].most_common(15)
    if top:
        fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(top) + 1.0))
        colours = ["#999999" if k.endswith(")") else "#c44e52" for k, _ in top][::-1]
        ax.barh([k if len(k) < 60 else k[:57] + "..." for k, _ in top][::-1], [v for _, v in top][::-1],
                color=colours)
        ax.set_xlabel("students", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title("Most frequent diagnosed mistakes (grey: not a catalogue mistake)", fontsize=11)
        fig.tight_layout()
        figs["mistakes"] = _png(fig)

    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    xs = range(len(results.assignments))
    g = [stats["assignments"][a]["graded"] for a in results.assignments]
    f = [stats["assignments"][a]["failed"] for a in results.assignments]
    m = [stats["assignments"][a]["missing"] for a in results.assignments]
    ax.bar(xs, g, color="#55a868", label="graded")
    ax.bar(xs, f, bottom=g, color="#c44e52", label="failed to grade")
    ax.bar(xs, m, bottom=[a + b for a, b in zip(g, f)], color="#bbbbbb", label="missing")
    ax.set_xticks(list(xs), results.assignments, fontsize=8)
    ax.set_ylabel("students", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title("Submissions per assignment", fontsize=11)
    fig.tight_layout()
    figs["status"] = _png(fig)
    return figs


def render_class_report(results: ClassResults, stats: dict, figures: dict, *, feedback_rel: str = "") -> str:
    esc = html.escape
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Class report: {esc(results.course_id)}</title><style>{fb.CSS}"
             "img{max-width:100%}</style></head><body>",
             f"<h1>Class report: {esc(results.course_id)}</h1>",
             f"<p class='meta'>{len(results.students)} students, {len(results.assignments)} assignments"
             f" &middot; generated {now}</p>"]
    # overview table
    parts.append("<h2>Overview</h2><table><tr><th>assignment</th><th>graded</th><th>failed to grade</th>"
                 "<th>missing</th><th>mean</th><th>median</th></tr>")
    for a in results.assignments:
        s = stats["assignments"][a]
        mean = "" if s["mean"] is None else f"{s['mean']:.0f}%"
        median = "" if s["median"] is None else f"{s['median']:.0f}%"
        failed_cls = "bad" if s["failed"] else ""
        parts.append(f"<tr><td>{esc(a)}</td><td class='num'>{s['graded']}</td>"
                     f"<td class='num {failed_cls}'>{s['failed']}</td><td class='num'>{s['missing']}</td>"
                     f"<td class='num'>{mean}</td><td class='num'>{median}</td></tr>")
    parts.append("</table>")
    parts.append(f"<img alt='submissions per assignment' src='{figures['status']}'>")
    parts.append("<h2 id='scores'>Score distribution</h2>")
    parts.append(f"<img alt='score distribution per assignment' src='{figures['scores']}'>")
    if "pass_rate" in figures:
        parts.append("<h2 id='pass-rate'>Pass rate per exercise</h2>")
        parts.append(f"<img alt='pass rate per exercise' src='{figures['pass_rate']}'>")
    parts.append("<h2 id='mistakes'>Most frequent diagnosed mistakes</h2>")
    top = stats["mistakes"].most_common(25)
    if top:
        parts.append(f"<img alt='most frequent mistakes' src='{figures['mistakes']}'>")
        parts.append("<table><tr><th>mistake</th><th>students</th><th>what they were told</th></tr>")
        for key, count in top:
            _, example = stats["mistake_examples"].get(key, ("", ""))
            parts.append(f"<tr><td><code>{esc(key)}</code></td><td class='num'>{count}</td>"
                         f"<td><pre>{esc(example)}</pre></td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No failing checks.</p>")
    parts.append("<h2 id='failed'>Submissions that failed to grade</h2>")
    if stats["failed"]:
        parts.append("<p>These have no score (not 0): fix or regrade them "
                     "(<code>kmeans-course autograde --retry-failed</code>), or grade them by hand.</p>")
        parts.append("<table><tr><th>student</th><th>assignment</th><th>why</th></tr>")
        for student, a, reason in stats["failed"]:
            parts.append(f"<tr><td>{esc(student)}</td><td>{esc(a)}</td><td class='bad'>{esc(reason)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2 id='flags'>Flags</h2>")
    if stats["flags"]:
        from autograder.integrity.scan import FLAG_MEANINGS

        parts.append("<table><tr><th>student</th><th>assignment</th><th>flag</th><th>cell</th><th>details</th></tr>")
        for student, a, flag in stats["flags"]:
            parts.append(f"<tr><td>{esc(student)}</td><td>{esc(a)}</td><td><code>{esc(str(flag.get('code', '')))}"
                         f"</code></td><td>{esc(str(flag.get('cell', '')))}</td>"
                         f"<td>{esc(str(flag.get('message', '')))}</td></tr>")
        parts.append("</table>")
        codes = sorted({str(flag.get("code", "")) for _, _, flag in stats["flags"]} & FLAG_MEANINGS.keys())
        if codes:  # a legend for the codes above, so that a TA can tell evidence from penalty
            parts.append("<h3>What the flags mean</h3><dl class='legend'>")
            parts += [f"<dt><code>{esc(code)}</code></dt><dd>{esc(FLAG_MEANINGS[code])}</dd>" for code in codes]
            parts.append("</dl>")
    else:
        parts.append("<p>None.</p>")
    parts.append("</body></html>")
    return "".join(parts)


def similarity_section(course: Course, results: ClassResults) -> str:
    """The class report's evidence of alike submissions and of code close to ``kmeans_ref``.

    Per assignment: solution cells of every submitted notebook, compared exercise by
    exercise with the released student version as the shared baseline (its stubs are
    not evidence). Listed for the TA to judge; nothing here changes a score.
    """
    from autograder.config import Similarity
    from autograder.integrity import similarity

    options = Similarity(config=course.config)  # thresholds: c.Similarity.* in nbgrader_config.py
    pairs, matches = [], []
    for assignment in results.assignments:
        released = _read_notebook(course.root / "notebooks" / assignment / f"{assignment}.ipynb")
        baseline = similarity.solution_cells(released) if released else None
        submissions = {}
        for (student, a), outcome in sorted(results.outcomes.items()):
            if a != assignment or outcome.status == "missing":
                continue
            nb = _read_notebook(course.submission_dir(student, a) / f"{a}.ipynb")
            if isinstance(nb, dict):
                submissions[student] = similarity.solution_cells(nb)
        if len(submissions) >= 2:
            pairs += similarity.similar_pairs(submissions, baseline=baseline, **options.pair_options())
        if submissions:
            matches += similarity.reference_closeness(submissions, baseline=baseline, **options.reference_options())
    header = ("<h2 id='similarity'>Similar submissions</h2><p>Pairs whose exercise code is unusually "
              "alike, and code unusually close to the reference implementation, with the matching lines. "
              "Evidence to look at, not a verdict: no score was changed.</p>")
    if not pairs and not matches:
        return header + "<p>None.</p>"
    return header + similarity.render_html(pairs, matches)


# ----------------------------------------------------------------------------- main


@dataclass
class ReportPaths:
    grades_csv: Path
    class_report: Path
    feedback: list

    def to_dict(self):
        return {"grades_csv": str(self.grades_csv), "class_report": str(self.class_report),
                "feedback": [str(p) for p in self.feedback]}


def write_feedback(course: Course, results: ClassResults) -> list:
    released = {}
    written = []
    for (student, a), outcome in sorted(results.outcomes.items()):
        if outcome.status == "missing":
            continue
        if a not in released:
            from autograder.grading.logflags import cell_sources as _cell_sources

            released[a] = {}
            for nb in sorted((course.release / a).glob("*.ipynb")) if (course.release / a).is_dir() else []:
                released[a].update(_cell_sources(nb))
        path = course.feedback / student / a / f"{a}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            make_writable_and_remove(path)
        path.write_text(fb.render(outcome, course_id=results.course_id, released_sources=released[a]),
                        encoding="utf-8")
        written.append(path)
    return written


def main(*, root: str | Path = ".", assignments: list | None = None, out: str | Path | None = None,
         feedback: bool = True, quiet: bool = False) -> ReportPaths:
    """Write grades.csv, the class report and (unless ``feedback=False``) the feedback pages.

    ``out``: folder for grades.csv and class_report.html (default ``<root>/reports``).
    """
    course = Course(root)
    results = gather(course, assignments)
    out = Path(out) if out else course.reports
    out.mkdir(parents=True, exist_ok=True)
    grades = write_grades_csv(results, out / "grades.csv")
    stats = class_statistics(results)
    figures = _figures(results, stats)
    report = out / "class_report.html"
    html = render_class_report(results, stats, figures)
    html = html.replace("</body></html>", similarity_section(course, results) + "</body></html>")
    report.write_text(html, encoding="utf-8")
    pages = write_feedback(course, results) if feedback else []
    if not quiet:
        print(f"grades:       {grades}")
        print(f"feedback:     {len(pages)} page(s) under {course.feedback}")
        print(f"class report: {report}")
    return ReportPaths(grades, report, pages)
