"""The class report lists copied work with evidence, and leaves honest work alone."""
import json
import shutil

from autograder.course import Course
from autograder.reporting import ClassResults, SubmissionOutcome, similarity_section
from autograder.integrity.similarity import solution_cells
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LESSON = "03-lloyd"


def _course(tmp_path, sources: dict):
    """A course folder with the released lesson and one submission per student (lloyd cell replaced)."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(ROOT / "notebooks" / LESSON, tmp_path / "notebooks" / LESSON)
    solution = json.loads((ROOT / "solutions" / LESSON / f"{LESSON}.ipynb").read_text())
    stubs = solution_cells(json.loads((ROOT / "notebooks" / LESSON / f"{LESSON}.ipynb").read_text()))
    outcomes = {}
    for student, lloyd in sources.items():
        nb = json.loads(json.dumps(solution))
        for cell in nb["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id == "lloyd":
                cell["source"] = lloyd
            elif grade_id in stubs:  # every other exercise left as handed out
                cell["source"] = stubs[grade_id]
        folder = tmp_path / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        (folder / f"{LESSON}.ipynb").write_text(json.dumps(nb))
        outcomes[(student, LESSON)] = SubmissionOutcome(student, LESSON, "graded")
    results = ClassResults("c", [LESSON], {}, sorted(sources), outcomes, {})
    return Course(tmp_path), results


ORIGINAL = solution_cells(json.loads((ROOT / "solutions" / LESSON / f"{LESSON}.ipynb").read_text()))["lloyd"]


def _disguised(source: str) -> str:
    return (source.replace("losses", "history").replace("z_new", "labels_next")
            .replace("M_new", "centres").replace("# ", "# note: "))


def test_a_disguised_copy_is_listed_with_both_students(tmp_path):
    # Three students: two of them hand in the same lloyd with renamed variables.
    own = ("def lloyd(X, M0, max_iter=100):\n    M = np.array(M0, dtype=float)\n    hist, prev = [], None\n"
           "    for it in range(max_iter):\n        Dm = ((X[:, None, :] - M[:, :, None]) ** 2).sum(axis=0)\n"
           "        lab = Dm.argmin(axis=0)\n        if prev is not None and (lab == prev).all():\n            break\n"
           "        Yn = np.zeros((M.shape[1], X.shape[1])); Yn[lab, np.arange(X.shape[1])] = 1\n"
           "        cnt = Yn.sum(axis=1)\n        nz = cnt > 0\n"
           "        M = M.copy(); M[:, nz] = (X @ Yn.T)[:, nz] / cnt[nz]\n"
           "        hist.append(float(((X - M @ Yn) ** 2).sum()))\n        prev = lab\n"
           "    return M, Yn, hist\n")
    course, results = _course(tmp_path, {"ann": ORIGINAL, "bob": _disguised(ORIGINAL), "cy": own})
    html = similarity_section(course, results)
    assert "ann" in html and "bob" in html
    assert "cy" not in html.split("Similar submissions", 1)[1]


def test_honest_different_solutions_give_no_evidence(tmp_path):
    course, results = _course(tmp_path, {"ann": ORIGINAL})
    assert "<p>None.</p>" in similarity_section(course, results)
