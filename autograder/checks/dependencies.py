"""Which exercise to fix first: a failing exercise that calls another failing one says so.

A wrong ``update_means`` makes a correct ``lloyd`` that calls it fail too; the student
should fix ``update_means`` first, and the TA should see why both lost points. Both the
clean room (:mod:`autograder.grading.cleanroom`, from the submitted cells and the scores
it has) and ``check()`` in the student's kernel (:func:`failing_callees`, from the
function's source and its own namespace) decide the same way: exercise B is named in
A's message when A's source refers to the name B (an ``ast.Name``, so a comment or a
string does not count), B is another exercise of the same lesson, and B fails its checks.

>>> referenced("def lloyd(X, M0):\\n    return update_means(X, assign(X, M0), M0)  # not kmeans_loss",
...            ["assign", "update_means", "kmeans_loss", "lloyd"])
['assign', 'update_means']
>>> print(note("lloyd", ["update_means"]))
Note: your lloyd calls your update_means, which fails its own checks: fix update_means first, and lloyd may pass as well.
"""

import ast
import inspect
import textwrap

__all__ = ["referenced", "note", "failing_callees"]


def referenced(source, names):
    """The names among ``names`` that ``source`` refers to, in the order of ``names`` (never raises)."""
    try:
        tree = ast.parse(textwrap.dedent(source or ""))
    except (SyntaxError, ValueError):
        return []
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return [name for name in names if name in used]


def note(name, others):
    """The sentence that tells the student to fix ``others`` (failing exercises ``name`` calls) first."""
    listed = " and ".join(others)
    verb = "fails its" if len(others) == 1 else "fail their"
    return (f"Note: your {name} calls your {listed}, which {verb} own checks: "
            f"fix {listed} first, and {name} may pass as well.")


def failing_callees(name, fn):
    """The other exercises of ``name``'s lesson that ``fn`` calls and that fail their visible checks.

    For ``check()`` in the student's kernel: the names come from ``fn``'s source (as the
    clean room reads the solution cell), and each one is looked up where ``fn`` itself
    looks it up when it runs, its module's globals (in a notebook, the notebook's
    namespace), so only a function ``fn`` really calls is checked and named. Returns
    ``[]`` when ``fn`` has no readable source or namespace; never raises.
    """
    from autograder import exercises, run_check

    try:
        lesson = exercises.get(name).lesson
        others = [e.name for e in exercises.of_lesson(lesson) if e.name != name]
        namespace = getattr(fn, "__globals__", None)
        if not others or not isinstance(namespace, dict):
            return []
        failing = []
        for other in referenced(_source(fn), others):
            callee = namespace.get(other)
            if callable(callee) and callee is not fn:
                result = run_check(other, callee)
                if result.score < result.possible:
                    failing.append(other)
        return failing
    except Exception:  # pragma: no cover - a hint must never break a check
        return []


def _source(fn):
    """``fn``'s source text ('' when Python cannot find it, e.g. for a function built by exec)."""
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return ""
