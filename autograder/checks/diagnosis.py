"""Diagnosis of a failed check: the catalogue mistake the function behaves like, or the smallest failing case.

On any failure the mistake catalogue's wrong implementations run on the same cases: a
variant that behaves exactly like the student's function names the mistake; otherwise
the smallest failing case is described (inputs and outputs for visible cases; for
hidden cases only sizes, never the data).
"""

import numpy as np

from autograder.checks.checker import _space

__all__ = ["diagnose", "match_catalogue", "describe_failure"]


def diagnose(checker, fn, cases, calls):
    """(messages, matched mistake ids) for a function that failed some check."""
    failing = [i for i, c in enumerate(calls) if not c.ok]
    if not failing:
        return [], []
    normal = [c for c, case in zip(calls, cases) if case.expect_error is None]
    if normal and all(isinstance(c.error, NotImplementedError) for c in normal):
        return [f"`{checker.name}` is not implemented yet: replace `raise NotImplementedError()` "
                f"with your code."], []

    def smallest(indices):
        return min(indices, key=lambda i: (checker.evidence_rank(cases[i]), cases[i].size(), i))

    messages, ids = [], []
    early = checker.pre_diagnosis(cases, calls)
    if early:
        return [early], []
    chosen, unexplained = match_catalogue(checker, cases, calls)
    for mistake, explained in chosen:
        ids.append(mistake.id)
        i = smallest(explained)
        evidence = describe_failure(checker, cases[i], calls[i], brief=True)
        messages.append(f"{mistake.message}\n{evidence}" if evidence else mistake.message)
    if unexplained:
        text = describe_failure(checker, cases[smallest(unexplained)], calls[smallest(unexplained)], brief=False)
        messages.append(("Also: " + text[0].lower() + text[1:]) if chosen else text)
    mutated = [i for i, c in enumerate(calls) if c.mutated]
    if mutated and not any(_variant_mutates(m) for m, _ in chosen):
        names = sorted({_arg_name(checker, m) for i in mutated for m in calls[i].mutated})
        messages.append(f"Your function changes its input{'s' if len(names) > 1 else ''} "
                        f"{', '.join(names)} in place (on {len(mutated)} of {len(calls)} cases). "
                        f"Work on a copy (e.g. `M = M_prev.copy()`) or build a new array.")
    problems = [c.problem for i, c in sorted(enumerate(calls), key=lambda ic: cases[ic[0]].size())
                if c.problem and c.usable]
    if problems and not chosen and not any(problems[0] in m for m in messages):
        messages.append(f"Type: your function {problems[0]}.")
    if any(c.printed for c in calls):
        messages.append("(Your function prints: the checker hides that output; remove debugging prints.)")
    return messages, ids


def match_catalogue(checker, cases, calls):
    """Catalogue mistakes that explain the student's failures: ([(mistake, case indices)], unexplained).

    A wrong variant *explains* the student's function when, on every case where the
    variant fails, the student's function fails in exactly the same way (same output,
    same exception, same type problem, same inputs changed). Variants explaining the
    most failing cases come first; one that adds nothing new is dropped.
    """
    from autograder import exercises

    student_fail = {i for i, c in enumerate(calls) if not c.ok}
    order = checker.match_order(cases)
    candidates = []
    for mistake in exercises.get(checker.name).mistakes:
        variant_fail = set()
        try:
            variant = mistake.function
            with checker.context():
                for i in order:
                    v = checker.run_case(variant, cases[i])
                    if v.ok:
                        continue
                    if i not in student_fail or not checker.same_behaviour(calls[i], v, cases[i]):
                        break
                    variant_fail.add(i)
                else:
                    if variant_fail:
                        candidates.append((mistake, variant_fail))
        except Exception:  # pragma: no cover - a broken entry must never break grading
            continue
    chosen, explained = [], set()
    for mistake, variant_fail in sorted(candidates, key=lambda mv: -len(mv[1])):
        if variant_fail - explained:
            chosen.append((mistake, variant_fail))
            explained |= variant_fail
    return chosen, student_fail - explained


def _variant_mutates(mistake):
    return "mutat" in mistake.id or "in_place" in mistake.id


def _arg_name(checker, key):
    if isinstance(key, int) and key < len(checker.arg_names):
        return checker.arg_names[key]
    return str(key)


def describe_failure(checker, case, call, brief):
    """What went wrong on one case. Hidden cases: sizes only, never inputs or outputs."""
    text = _describe_failure(checker, case, call, brief)
    return "\n".join(line.rstrip() for line in text.splitlines())


def _describe_failure(checker, case, call, brief):
    sizes = checker.sizes(case)
    where = f'hidden case ({sizes})' if case.hidden else f'case "{case.label}"' + (f" ({sizes})" if sizes else "")
    lines = []
    if brief:
        lines.append(f"  Seen on the smallest failing {where}.")
    else:
        lines.append(f"On the smallest failing {where}:")
    if not case.hidden:
        call_text = f"{checker.name}({', '.join(checker.arg_names[:len(case.args)])}"
        if case.kwargs:
            call_text += ", " + ", ".join(f"{k}={v!r}" for k, v in case.kwargs.items() if not isinstance(v, np.ndarray))
        call_text += ")"
        if not brief:
            lines.append(f"  {call_text} with")
            lines.extend("    " + ln for ln in checker.describe_inputs(case))
    if case.expect_error is not None:
        if call.raised:
            lines.append(f"  expected {case.expect_error.__name__}; your function raised {call.error_name}")
        else:
            lines.append(f"  expected it to raise {case.expect_error.__name__}; it returned normally")
        return "\n".join(lines)
    if call.raised:
        if case.hidden:
            lines.append(f"  your function raised {call.error_name}"
                         + (f" at {call.error_where}" if call.error_where else ""))
        else:
            lines.append(f"  your function raised {call.error_text}"
                         + (f"\n    at {call.error_where}" if call.error_where else ""))
        if not case.hidden and not brief:
            lines.append(f"  expected:{_space(checker.describe_expected(case))}")
        return "\n".join(lines)
    if call.problem:
        lines.append(f"  your function {call.problem}")
    failed = [(k, d) for k, (ok, d) in call.criteria.items() if not ok and d and d != call.problem]
    if not case.hidden:
        lines.append(f"  expected:{_space(checker.describe_expected(case))}")
        if call.usable:
            lines.append(f"  got:{_space(checker.describe_value(call.value), 6)}")
    for key, detail in failed[:3]:
        lines.append(f"  {checker.label(key)}: {detail}")
    if call.mutated and not failed and not call.problem:
        lines.append(f"  the values are right, but the input(s) "
                     f"{', '.join(_arg_name(checker, m) for m in call.mutated)} were changed in place")
    return "\n".join(lines)
