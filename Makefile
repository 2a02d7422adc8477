# Every target bootstraps .venv (created on first use, reinstalled when pyproject.toml or
# constraints.txt changes).
# nbgrader runs `alembic` by name, so the venv's bin/ goes first on PATH.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(PATH)
export MPLBACKEND := Agg
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: help venv demo test test-fast lab release slides site bench clean

help:
	@echo "make demo     build the course, grade a generated class, write the reports"
	@echo "make test     run the whole test suite"
	@echo "make lab      open JupyterLab on the student notebooks"
	@echo "make release  regenerate notebooks/ from solutions/"
	@echo "make slides   offline reveal.js decks of every lesson (build/slides/)"
	@echo "make site     executed HTML of every lesson (build/site/)"
	@echo "make bench    benchmarks: scikit-learn, a student's wait, stock nbgrader, a Dask cluster, the gradebook"

# constraints.txt pins the versions tested, so a fresh clone installs exactly those.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]" -c constraints.txt
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/kmeans-course demo

test: $(STAMP)
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup -q -rs

test-fast: $(STAMP)
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup -q -m "not slow and not browser"

# Kernels inherit the environment: drop the Agg backend exported above, or figures vanish.
lab: $(STAMP)
	cd notebooks && env -u MPLBACKEND jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,)

release: $(STAMP)
	$(VENV)/bin/kmeans-course release

slides: $(STAMP)
	$(PY) -m autograder.present.slides

site: $(STAMP)
	$(PY) -m autograder.present.site

bench: $(STAMP)
	$(PY) benchmarks/bench_lloyd.py
	$(PY) benchmarks/bench_student.py
	$(PY) benchmarks/bench_autograde.py
	$(PY) benchmarks/bench_cluster.py
	$(PY) benchmarks/bench_gradebook.py

clean:
	chmod -R u+w autograded 2>/dev/null || true
	rm -rf autograded submitted feedback reports gradebook.db build demo
