"""The exercise registry: every graded exercise of the course, once, in course order.

One :class:`Exercise` record per exercise: its name (the function the student writes),
its lesson, its signature and its points ``(visible, hidden)``, which the test cells'
nbgrader metadata must match. Everything else about an exercise is found from here:

>>> ex = get("assign")
>>> ex.lesson, ex.signature, ex.points
('03-lloyd', 'assign(X, M)', (1, 1))
>>> [e.name for e in of_lesson("02-loss")]
['sq_distances', 'kmeans_loss', 'min_form_loss']
>>> ex.checker.name, ex.reference.__module__.split(".")[0]
('assign', 'kmeans_ref')
>>> ex.mistakes[0].id
'assign.argmax'

``checker`` (:mod:`autograder.checks`), ``reference`` (:mod:`kmeans_ref`, bound once) and
``mistakes`` (:mod:`autograder.mistakes`, compiled the first time it is asked for) are
looked up on use, so importing the registry costs nothing. The names, signatures and
meaning of every exercise are the course's contract, written down in ``docs/curriculum.md``.
"""

from dataclasses import dataclass

__all__ = ["Exercise", "EXERCISES", "get", "names", "of_lesson", "lessons"]


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: ``name(...)`` as the student writes it, in lesson ``lesson``."""

    name: str
    lesson: str
    #: the call as the contract writes it, e.g. "lloyd(X, M0, max_iter=100)"
    signature: str
    #: (visible, hidden) points: the notebook's two test cells for this exercise
    points: tuple

    def possible(self, hidden):
        """The points of the hidden (``hidden=True``) or the visible test cell."""
        return self.points[1 if hidden else 0]

    @property
    def checker(self):
        """The :class:`~autograder.checks.checker.Checker` that grades this exercise."""
        from autograder import checks

        return checks.checker(self.name)

    @property
    def reference(self):
        """The reference implementation, ``kmeans_ref.<name>`` (bound once, so later patching is ignored)."""
        from autograder.checks.calls import ref

        return ref(self.name)

    @property
    def mistakes(self):
        """The mistake catalogue's entries for this exercise (the catalogue loads on first use)."""
        from autograder import mistakes

        return mistakes.for_exercise(self.name)


EXERCISES = (
    Exercise("one_hot", "01-labels", "one_hot(z, k)", (1, 1)),
    Exercise("labels_from_one_hot", "01-labels", "labels_from_one_hot(Y)", (1, 1)),
    Exercise("is_label_matrix", "01-labels", "is_label_matrix(Y)", (1, 1)),
    Exercise("reconstruct", "01-labels", "reconstruct(M, Y)", (1, 1)),
    Exercise("sq_distances", "02-loss", "sq_distances(X, M)", (2, 1)),
    Exercise("kmeans_loss", "02-loss", "kmeans_loss(X, Y, M)", (1, 1)),
    Exercise("min_form_loss", "02-loss", "min_form_loss(X, M)", (1, 1)),
    Exercise("assign", "03-lloyd", "assign(X, M)", (1, 1)),
    Exercise("update_means", "03-lloyd", "update_means(X, Y, M_prev)", (2, 1)),
    Exercise("lloyd", "03-lloyd", "lloyd(X, M0, max_iter=100)", (2, 2)),
    Exercise("l1_distances", "04-kmedians", "l1_distances(X, M)", (1, 1)),
    Exercise("assign_l1", "04-kmedians", "assign_l1(X, M)", (1, 1)),
    Exercise("l1_loss", "04-kmedians", "l1_loss(X, Y, M)", (1, 1)),
    Exercise("update_medians", "04-kmedians", "update_medians(X, Y, M_prev)", (2, 1)),
    Exercise("kmedians", "04-kmedians", "kmedians(X, M0, max_iter=100)", (2, 1)),
    Exercise("loss_gradient", "05-gradient-descent", "loss_gradient(X, M)", (2, 1)),
    Exercise("numerical_gradient", "05-gradient-descent", "numerical_gradient(f, M, eps=1e-6)", (1, 1)),
    Exercise("gradient_descent", "05-gradient-descent", "gradient_descent(X, M0, lr, n_steps)", (2, 1)),
    Exercise("minibatch_step", "05-gradient-descent", "minibatch_step(X_batch, M, counts)", (2, 1)),
    Exercise("kmeans_plus_plus", "06-applications", "kmeans_plus_plus(X, k, rng)", (2, 1)),
    Exercise("quantize", "06-applications", "quantize(image, k, rng)", (2, 1)),
    Exercise("silhouette_scores", "06-applications", "silhouette_scores(X, z)", (2, 1)),
    Exercise("soft_assign", "07-soft-clustering", "soft_assign(X, M, beta)", (2, 1)),
    Exercise("soft_update", "07-soft-clustering", "soft_update(X, R)", (1, 1)),
    Exercise("em_isotropic", "07-soft-clustering", "em_isotropic(X, M0, n_iter)", (2, 2)),
)

_BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def get(name):
    """The exercise called ``name``; ValueError naming the known exercises otherwise."""
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown exercise {name!r}; expected one of: {', '.join(_BY_NAME)}") from None


def names():
    """Every exercise name, in course order."""
    return list(_BY_NAME)


def lessons():
    """The lesson ids that have exercises, in course order."""
    return list(dict.fromkeys(exercise.lesson for exercise in EXERCISES))


def of_lesson(lesson):
    """The exercises of lesson ``lesson`` (e.g. "03-lloyd"), in course order; [] for a lesson without any."""
    return [exercise for exercise in EXERCISES if exercise.lesson == lesson]
