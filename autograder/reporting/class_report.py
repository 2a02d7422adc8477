"""``reports/class_report.html``: one self-contained page about the whole class.

Score distribution per assignment, pass rate per exercise, the most frequent diagnosed
mistakes, the submissions that failed to grade (with why), late submissions with their
penalty, the scores changed by the last regrade (from the ledger), integrity flags with
their cells and a legend from the flag registry, and similar submissions with evidence.
Figures are embedded PNGs; the page is ``templates/class_report.html``.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter

from autograder.integrity.flags import FLAG_MEANINGS
from autograder.reporting.gather import CellOutcome, ClassResults
from autograder.reporting.render import render


def class_statistics(results: ClassResults) -> dict:
    """Numbers behind the class report (also handy in tests)."""
    stats = {"assignments": {}, "exercises": [], "mistakes": Counter(), "mistake_examples": {},
             "failed": [], "flags": [], "late": []}
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
            if o.seconds_late > 0:
                stats["late"].append((o.student, a, o.seconds_late / 3600.0,
                                      o.late_penalty if o.status == "graded" else None))
    return stats


def _unmatched_label(cell: CellOutcome) -> str:
    """How a failing check with no catalogue match is counted: per exercise."""
    text = " ".join(cell.messages).lower()
    if "not implemented yet" in text or "notimplementederror" in text:
        return f"{cell.exercise} (not attempted)"
    if cell.messages and cell.messages[0].startswith("NameError"):
        return f"{cell.exercise} (function not defined)"
    return f"{cell.exercise} (no catalogue match)"


def render_class_report(results: ClassResults, stats: dict, figures: dict, *, similarity: dict | None = None) -> str:
    """The page as one HTML string.

    ``figures``: name -> PNG data URI (``figures.figures``); ``similarity``: the context of
    the similar-submissions section (``similarity.similarity_evidence``), left out if None.
    """
    codes = sorted({str(flag.get("code", "")) for _, _, flag in stats["flags"]} & FLAG_MEANINGS.keys())
    mistakes = [(key, count, stats["mistake_examples"].get(key, ("", ""))[1])
                for key, count in stats["mistakes"].most_common(25)]
    return render("class_report.html", results=results, stats=stats, figures=figures, mistakes=mistakes,
                  legend=[(code, FLAG_MEANINGS[code]) for code in codes], similarity=similarity,
                  generated=_dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
