"""A synthetic class: students whose notebooks carry known mistakes from the catalogue.

Used by ``kmeans-course demo`` and the autograde benchmark. Every student starts from
the released notebook (what a real student downloads) and fills each exercise's
solution cell with either the instructor's solution (the ``### BEGIN/END SOLUTION``
region, markers removed) or a mistake's source from ``autograder.mistakes``, pasted
where the stub was; some leave an exercise as the stub. A few notebooks are broken
on purpose: cut-off JSON, an empty file, a cell that kills the kernel.

The class is deterministic for a given seed, and its ground truth (who has which
mistake) is returned with it, so a demo can compare what was planted with what the
grader diagnosed.

>>> people = names(3, seed=0)
>>> len(people), people[0].login == slug_login(people[0].first, people[0].last)
(3, True)
"""
from __future__ import annotations

import copy
import json
import random
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.nbcells import cell_source as _source
from autograder.nbcells import nbgrader_meta

FIRST = ["Ada", "Ben", "Chloe", "Dmitri", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko", "Liam",
         "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena",
         "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Diego", "Elif", "Felix", "Greta", "Hana", "Ivan", "Julia"]
LAST = ["Smith", "Okafor", "Dubois", "Ivanov", "Muller", "Haddad", "Kim", "Moreau", "Garcia", "Berg",
        "Tanaka", "Walsh", "Patel", "Sharma", "Petrova", "Ruiz", "Adams", "Costa", "Nasser", "Singh", "Khan",
        "Novak", "Chen", "Lopez", "Yilmaz", "Fischer", "Mensah", "Rossi", "Vidal", "Torres", "Demir",
        "Weber", "Lind", "Sato", "Popov", "Klein"]

SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                             re.DOTALL | re.MULTILINE)
KERNEL_KILLER = "\nimport os\nos._exit(1)  # leftover from debugging: ends the Python process\n"


def slug_login(first: str, last: str) -> str:
    """A Canvas-style login: last name then first name, lower case ("smithada")."""
    return re.sub(r"[^a-z0-9]", "", (last + first).lower())


@dataclass
class Person:
    first: str
    last: str

    @property
    def login(self) -> str:
        return slug_login(self.first, self.last)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def names(n: int, seed: int = 0) -> list[Person]:
    """``n`` distinct people (deterministic for ``seed``)."""
    rng = random.Random(seed)
    pairs = [(f, l) for f in FIRST for l in LAST]
    rng.shuffle(pairs)
    out, seen = [], set()
    for f, l in pairs:
        if f in {p.first for p in out} and len(out) < len(FIRST):
            continue
        p = Person(f, l)
        if p.login not in seen:
            seen.add(p.login)
            out.append(p)
        if len(out) == n:
            break
    return out


@dataclass
class StudentPlan:
    """What one synthetic student does in every assignment (the ground truth)."""

    login: str
    name: str
    profile: str  # "perfect" | "mistakes" | "broken"
    mistakes: dict = field(default_factory=dict)  # assignment -> [mistake id]
    not_attempted: dict = field(default_factory=dict)  # assignment -> [exercise]
    broken: dict = field(default_factory=dict)  # assignment -> "invalid_json" | "empty" | "kernel_dies"
    missing: list = field(default_factory=list)  # assignments not submitted
    resubmitted: list = field(default_factory=list)  # assignments with an older first attempt in the download
    late: list = field(default_factory=list)  # assignments the LMS marks late


def _exercises(solution_nb: dict) -> list[str]:
    """Exercise names of a lesson: its code solution cells, in order."""
    out = []
    for cell in solution_nb["cells"]:
        nbg = nbgrader_meta(cell)
        if nbg.get("solution") and not nbg.get("grade") and cell.get("cell_type") == "code":
            out.append(nbg["grade_id"])
    return out


def _catalogue() -> dict:
    """exercise -> [mistake id] from the mistake catalogue ({} if it is unavailable)."""
    try:
        from autograder import mistakes
    except Exception:
        return {}
    out = {}
    for m in mistakes.all_mistakes():
        out.setdefault(m.exercise, []).append(m.id)
    return out


def plan_class(n_students: int, assignments: dict, *, seed: int = 0, catalogue: dict | None = None) -> list:
    """Plan a class: a few perfect students, most with 1-3 mistakes, a few broken notebooks.

    ``assignments``: assignment id -> list of its exercises (in order).
    ``catalogue``: exercise -> [mistake id] (default: ``autograder.mistakes``).
    """
    rng = random.Random(seed)
    catalogue = _catalogue() if catalogue is None else catalogue
    ids = list(assignments)
    people = names(n_students, seed)
    n_perfect = max(1, round(0.1 * n_students))
    broken_kinds = ["invalid_json", "empty", "kernel_dies"][:max(1, min(3, n_students // 10))]
    plans = []
    slots = [("perfect", None)] * n_perfect + [("broken", k) for k in broken_kinds]
    slots += [("mistakes", None)] * (n_students - len(slots))
    for person, (profile, kind) in zip(people, slots):
        plan = StudentPlan(person.login, person.name, profile)
        if profile == "broken":
            plan.broken[rng.choice(ids)] = kind
        if profile in ("mistakes", "broken"):
            pool = [(a, ex, mid) for a in ids for ex in assignments[a] for mid in catalogue.get(ex, [])]
            wanted = rng.choice([1, 1, 2, 2, 2, 3, 3]) if profile == "mistakes" else 1
            chosen_ex = set()
            for a, ex, mid in rng.sample(pool, len(pool)):
                if len(chosen_ex) >= wanted:
                    break
                if (a, ex) in chosen_ex or a in plan.broken:
                    continue
                chosen_ex.add((a, ex))
                plan.mistakes.setdefault(a, []).append(mid)
            if profile == "mistakes" and rng.random() < 0.15:
                a = rng.choice(ids)
                free = [ex for ex in assignments[a] if (a, ex) not in chosen_ex]
                if free and a not in plan.broken:
                    plan.not_attempted.setdefault(a, []).append(rng.choice(free))
        plans.append(plan)
    # course life: someone skips an assignment, someone resubmits, someone is late
    regular = [p for p in plans if p.profile == "mistakes"]
    rng.shuffle(regular)
    skippers = 2 if n_students >= 10 else 0
    for p in regular[:skippers]:
        a = rng.choice(ids)
        if a not in p.broken:
            p.missing.append(a)
            p.mistakes.pop(a, None)
            p.not_attempted.pop(a, None)
    for p in regular[skippers:skippers + 3]:
        a = rng.choice([x for x in ids if x not in p.missing])
        p.resubmitted.append(a)
    for p in regular[skippers + 3:skippers + 4]:
        p.late.append(rng.choice([x for x in ids if x not in p.missing]))
    return plans


# ----------------------------------------------------------------------------- notebooks




def fill_region(solution_source: str, body: str | None) -> str:
    """The instructor's cell with its solution region replaced by ``body`` (None: the solution).

    ``body`` is indented for a function body (four spaces), like a catalogue entry's
    ``body``; it is re-indented to the region's indentation.
    """
    def repl(m):
        indent, inside = m.group(1), m.group(2)
        if body is None:
            return inside
        lines = body.rstrip("\n").splitlines()
        common = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
        return "\n".join((indent + x[common:]) if x.strip() else "" for x in lines) + "\n"

    return SOLUTION_REGION.sub(repl, solution_source)


def _written_answer(source: str, good: bool) -> str:
    if good:
        m = SOLUTION_REGION.search(source)
        return (m.group(2) if m else source).strip()
    return "I am not sure; I think it follows from the definition of the loss."


def student_notebook(release_nb: dict, solution_nb: dict, plan: StudentPlan, assignment: str) -> dict:
    """The notebook ``plan``'s student submits for ``assignment`` (a JSON dict)."""
    from autograder import mistakes as catalogue

    nb = copy.deepcopy(release_nb)
    solutions = {}
    for cell in solution_nb["cells"]:
        nbg = nbgrader_meta(cell)
        if nbg.get("solution"):
            solutions[nbg["grade_id"]] = _source(cell)
    wrong = {}
    for mid in plan.mistakes.get(assignment, []):
        m = catalogue.get(mid)
        wrong[m.exercise] = m.body
    skipped = set(plan.not_attempted.get(assignment, []))
    kill_placed = False
    for cell in nb["cells"]:
        nbg = nbgrader_meta(cell)
        gid = nbg.get("grade_id")
        if not nbg.get("solution") or gid not in solutions:
            continue
        if cell.get("cell_type") == "markdown":
            cell["source"] = _written_answer(solutions[gid], good=(plan.profile == "perfect" or len(gid) % 2 == 0))
            continue
        if gid in skipped:
            continue  # left as the released stub
        cell["source"] = fill_region(solutions[gid], wrong.get(gid))
        if plan.broken.get(assignment) == "kernel_dies" and not kill_placed:
            cell["source"] += KERNEL_KILLER
            kill_placed = True
    return nb


def notebook_bytes(nb: dict, plan: StudentPlan, assignment: str) -> bytes:
    data = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    kind = plan.broken.get(assignment)
    if kind == "invalid_json":
        return data[: len(data) // 2]  # an interrupted upload
    if kind == "empty":
        return b""
    return data


# ----------------------------------------------------------------------------- the LMS download


def write_canvas_zip(root: Path, plans: list, zip_path: Path, *, assignments: list,
                     release_dir: Path, source_dir: Path, start_time: float = 1_757_000_000.0) -> dict:
    """Write the class's submissions as a Canvas "Download Submissions" zip.

    Returns a summary: how many files of each kind the zip holds.
    """
    import time as _time

    zip_path.parent.mkdir(parents=True, exist_ok=True)
    release = {a: json.loads((release_dir / a / f"{a}.ipynb").read_text()) for a in assignments}
    solution = {a: json.loads((source_dir / a / f"{a}.ipynb").read_text()) for a in assignments}
    counts = {"notebooks": 0, "older_attempts": 0, "other_files": 0}

    def stamp(minutes: float):
        return _time.localtime(start_time + 60 * minutes)[:6]

    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for number, plan in enumerate(plans):
            user = 10_000 + number
            for k, a in enumerate(assignments):
                if a in plan.missing:
                    continue
                nb = student_notebook(release[a], solution[a], plan, a)
                late = "_LATE" if a in plan.late else ""
                sub = 500_000 + 100 * number + k
                minute = 60 * k + number
                if a in plan.resubmitted:
                    older = release[a]  # first upload: the untouched notebook, by mistake
                    info = zipfile.ZipInfo(f"{plan.login}{late}_{user}_{sub}_{a}.ipynb", stamp(minute))
                    zf.writestr(info, notebook_bytes(older, plan, a))
                    counts["older_attempts"] += 1
                    name = f"{plan.login}{late}_{user}_{sub}_{a}-1.ipynb"
                    minute += 30
                else:
                    name = f"{plan.login}{late}_{user}_{sub}_{a}.ipynb"
                zf.writestr(zipfile.ZipInfo(name, stamp(minute + 1)), notebook_bytes(nb, plan, a))
                counts["notebooks"] += 1
        # what real downloads also contain: a stray notes file and an untitled notebook
        if plans:
            zf.writestr(zipfile.ZipInfo(f"{plans[-1].login}_{10_000 + len(plans) - 1}_599999_notes.txt",
                                        stamp(5)), b"my notes\n")
            zf.writestr(zipfile.ZipInfo(f"{plans[0].login}_10000_599998_Untitled.ipynb", stamp(6)),
                        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode())
            counts["other_files"] += 2
    return counts


def ground_truth(plans: list) -> list:
    return [asdict(p) for p in plans]
