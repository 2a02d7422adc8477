"""The clean room's process boundary: student code runs apart, limited, and cannot reach the grader."""
import os
import time

import numpy as np
import pytest

from autograder.isolation import sandbox_child as wire
from autograder.isolation.sandbox import Limits, Sandbox, StudentCrash, StudentError, StudentTimeout

SETUP = ("setup", "import numpy as np\nfrom kmeans_ref import one_hot")


def sandbox(*cells, call_seconds=3.0, **allowed):
    box = Sandbox([SETUP, *cells], allowed=allowed or {"one_hot": lambda z, k: np.eye(k)[:, z]},
                  lesson="test", limits=Limits(call_seconds=call_seconds))
    box.start()
    return box


def test_a_function_runs_and_its_result_comes_back_as_a_plain_array():
    with sandbox(("double", "def double(x):\n    return 2 * x")) as box:
        out = box.call("double", np.array([1.0, 2.5]))
    assert type(out) is np.ndarray and out.tolist() == [2.0, 5.0]


def test_allowed_reference_functions_run_in_the_parent():
    calls = []

    def one_hot(z, k):
        calls.append((z.tolist(), k))
        return np.eye(k)[:, z]

    with sandbox(("f", "def f():\n    return one_hot(np.array([1, 0]), 2)"), one_hot=one_hot) as box:
        out = box.call("f")
    assert calls == [([1, 0], 2)]
    assert out.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_in_place_changes_to_arguments_are_visible_to_the_checker():
    a = np.zeros(3)
    with sandbox(("f", "def f(x):\n    x[0] = 7\n    return x.sum()")) as box:
        assert box.call("f", a) == 7.0
    assert a.tolist() == [7.0, 0.0, 0.0]


def test_callbacks_from_the_checker_are_evaluated_in_the_parent():
    with sandbox(("g", "def g(f, M):\n    return f(M + 1) * 2")) as box:
        assert box.call("g", lambda M: float(M.sum()), np.zeros((2, 2))) == 8.0


@pytest.mark.parametrize("source", [
    "def peek():\n    import kmeans_ref\n    return kmeans_ref.assign",
    "def peek():\n    import kmeans_ref.assignment",
    "def peek():\n    import autograder.checks",
    "def peek():\n    import importlib\n    return importlib.import_module('kmeans' + '_ref.loops')",
])
def test_the_reference_and_the_checkers_are_out_of_reach(source):
    with sandbox(("peek", source)) as box:
        with pytest.raises((AttributeError, ImportError)):
            box.call("peek")


def test_student_exceptions_keep_their_builtin_type_and_location():
    with sandbox(("f", "def f():\n    raise ValueError('labels out of range')")) as box:
        with pytest.raises(ValueError, match="labels out of range") as info:
            box.call("f")
    assert isinstance(info.value, StudentError)
    assert any("line 2" in w for w in info.value.where)


def test_a_hang_costs_only_the_call_time_limit():
    with sandbox(("hang", "def hang():\n    while True:\n        pass"), call_seconds=1.0) as box:
        started = time.monotonic()
        with pytest.raises(StudentTimeout):
            box.call("hang")
        assert time.monotonic() - started < 3
        # The dead sandbox refuses further calls at once; a restart brings it back.
        with pytest.raises(StudentCrash):
            box.call("hang")
        box.start()
        assert box.alive


def test_a_killed_interpreter_is_reported_not_fatal():
    with sandbox(("die", "def die():\n    import os\n    os._exit(3)")) as box:
        with pytest.raises(StudentCrash, match="exit status 3"):
            box.call("die")


def test_memory_is_bounded():
    with sandbox(("mem", "def mem():\n    return np.ones((10**6, 10**4))")) as box:
        with pytest.raises(MemoryError):
            box.call("mem")


def test_files_outside_the_scratch_folder_cannot_be_written(tmp_path):
    target = tmp_path / "gradebook.db"
    target.write_text("precious")
    source = f"def w():\n    open({str(target)!r}, 'w').write('owned')"
    with sandbox(("w", source)) as box:
        if not box.isolation.startswith("Landlock"):
            pytest.skip(f"no Landlock here: {box.isolation}")
        with pytest.raises(PermissionError):
            box.call("w")
    assert target.read_text() == "precious"


REFERENCE_SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "kmeans_ref", "__init__.py")


@pytest.mark.parametrize("target", [REFERENCE_SOURCE, "secret", "home"])
def test_the_course_files_cannot_be_read_at_run_time(tmp_path, target):
    """A computed path (no course name in the source) still cannot read the reference or the course's files."""
    if target == "secret":
        target = tmp_path / "gradebook.db"
        target.write_text("hidden tests")
    elif target == "home":
        target = os.path.expanduser("~")
    assert os.path.exists(target)
    hexed = os.fsencode(str(target)).hex()
    source = (f"def r():\n    p = bytes.fromhex({hexed!r}).decode()\n"
              "    import os\n    return os.listdir(p) if os.path.isdir(p) else open(p).read()")
    with sandbox(("r", source)) as box:
        if not box.isolation.startswith("Landlock"):
            pytest.skip(f"no Landlock here: {box.isolation}")
        with pytest.raises(PermissionError):
            box.call("r")


def test_student_code_cannot_open_any_socket(tmp_path):
    source = "def s():\n    import socket\n    return socket.socket(socket.AF_UNIX).fileno()"
    with sandbox(("s", source)) as box:
        if not box.isolation.startswith("Landlock"):
            pytest.skip(f"no Landlock here: {box.isolation}")
        assert "no sockets" in box.isolation
        with pytest.raises(PermissionError):
            box.call("s")


def test_honest_code_can_still_use_the_standard_library_and_numpy():
    source = ("def use():\n    import math, statistics, itertools, random, hashlib, collections, decimal\n"
              "    import numpy.linalg, numpy.random, numpy.fft\n"
              "    r = np.random.default_rng(0).normal(size=4)\n"
              "    return [math.sqrt(4.0), statistics.mean([1, 2, 3]), float(np.linalg.norm(np.ones(4))),\n"
              "            len(hashlib.sha256(b'x').hexdigest()), abs(float(np.fft.fft(r).real[0] - r.sum())) < 1e-12]")
    with sandbox(("use", source)) as box:
        assert box.call("use") == [2.0, 2, 2.0, 64, True]


def test_objects_that_are_not_plain_data_cross_as_foreign_markers():
    lying = "class Liar:\n    def __eq__(self, other):\n        return True\ndef lie():\n    return Liar()"
    subclass = "def sub():\n    return np.arange(3).view(np.matrix)"
    with sandbox(("lie", lying), ("sub", subclass)) as box:
        assert isinstance(box.call("lie"), wire.Foreign)
        assert isinstance(box.call("sub"), wire.Foreign)


def test_a_broken_cell_is_recorded_and_the_others_still_run():
    with sandbox(("bad", "def bad(:\n    pass"), ("ok", "def ok():\n    return 1")) as box:
        assert box.call("ok") == 1
    assert [c["label"] for c in box.cells_status if not c["ok"]] == ["bad"]


def test_printing_does_not_disturb_the_protocol():
    with sandbox(("noisy", "import sys\ndef noisy():\n    print('x' * 10**6)\n    sys.stderr.write('y')\n    return 5")) as box:
        assert box.call("noisy") == 5


@pytest.mark.parametrize("value", [None, True, 3, 2.5, 1 + 2j, "text", [1, (2.0, None)], {"a": np.arange(3)},
                                   np.float32(1.5), np.zeros((2, 0)), np.array(3)])
def test_the_wire_format_round_trips_plain_data(value):
    back = wire.decode(wire.encode(value))
    assert repr(back) == repr(value)


def test_the_wire_format_refuses_object_arrays():
    assert isinstance(wire.decode(wire.encode(np.array([object()]))), wire.Foreign)


def _lesson_of(exercise):
    from autograder import EXERCISES

    return EXERCISES[exercise].lesson


@pytest.mark.parametrize("lesson", ["01-labels", "02-loss", "03-lloyd", "04-kmedians",
                                    "05-gradient-descent", "06-applications",
                                    "07-soft-clustering"])
def test_through_the_sandbox_every_catalogue_mistake_scores_and_reads_as_in_process(lesson):
    """The clean room changes where code runs, never the verdict: same score, same diagnosis."""
    from autograder import mistakes, run_check

    entries = [m for m in mistakes.all_mistakes() if _lesson_of(m.exercise) == lesson]
    cells = [SETUP]
    for n, m in enumerate(entries):
        cells.append((f"m{n}", f"{m.source}\n_mistake_{n} = {m.exercise}\n"))
    with Sandbox(cells, lesson=lesson, limits=Limits(call_seconds=10)) as box:
        for n, m in enumerate(entries):
            local = run_check(m.exercise, m.function)
            remote = run_check(m.exercise, box.function(f"_mistake_{n}"))
            assert (remote.score, remote.mistakes) == (local.score, local.mistakes), m.id


def test_patches_of_watched_modules_are_named_with_the_cell_or_function_that_made_them():
    patch_cell = "np.allclose = lambda *a, **k: True\nimport builtins\nbuiltins.abs = lambda x: 0"
    later = "def f():\n    import numpy.testing\n    numpy.testing.assert_allclose = print\n    return 1"
    honest = "def g(x):\n    np.set_printoptions(precision=3)\n    return np.allclose(x, x)"
    with sandbox(("patch", patch_cell), ("f", later), ("g", honest)) as box:
        box.call("f")
        box.call("g", np.zeros(2))
        patched = dict(box.patched)
    assert patched == {"patch": ["builtins.abs", "numpy.allclose"], "f": ["numpy.testing.assert_allclose"]}


def test_values_that_are_not_plain_data_are_recorded_per_function():
    lying = "class Liar:\n    def __eq__(self, other):\n        return True\ndef lie():\n    return [Liar(), 1.0]"
    with sandbox(("lie", lying), ("ok", "def ok():\n    return np.ones(2)")) as box:
        box.call("lie")
        box.call("ok")
        foreign = dict(box.foreign)
    assert foreign == {"lie": ["__main__.Liar"]}


def test_pyplot_imported_by_a_setup_cell_loads_when_a_function_first_uses_it():
    # The lessons' setup cells import pyplot for their figures; the clean room defers that import
    # (half of its start) until student code touches it, and then it works as imported.
    setup = ("figures", "import matplotlib.pyplot as plt")
    uses = ("uses", "def uses(x):\n    fig, ax = plt.subplots()\n    ax.plot(x)\n"
                    "    n = len(ax.lines)\n    plt.close(fig)\n    return n")
    loaded = ("loaded", "def loaded():\n    import sys\n    m = sys.modules['matplotlib.pyplot']\n"
                        "    return type(m).__name__ == 'module' and 'subplots' in m.__dict__")
    with sandbox(setup, uses, loaded) as box:
        assert box.call("loaded") is False  # imported, not yet executed
        assert box.call("uses", np.arange(3.0)) == 1
        assert box.call("loaded") is True
