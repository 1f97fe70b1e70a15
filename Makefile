# The two commands that matter: `make book` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SITE   := _build/html

.PHONY: book chapter test lab venv vendor sources bench clean help student grade

help:
	@echo "make book   build the whole book, every chapter executed, offline -> $(SITE)/index.html"
	@echo "make test   set up and run the whole test suite (builds the book first)"
	@echo "make lab [EDITION=instructor] [CHAPTERS=\"02 06\"]   the chapters in JupyterLab (student edition by default)"
	@echo "make bench  run the benchmarks and store their results in benchmarks/results/"
	@echo "make student [CHAPTERS=\"01 02\"] [OUT=dist/homework]   student edition + autograder bundles"
	@echo "make grade SUBMISSIONS=dir [OUT=grades] [TIMEOUT=120] [JOBS=2]   grade submitted notebooks"

# One venv for everything; reinstalled only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

vendor: $(STAMP)
	$(PY) book/_ext/prepare.py vendor

sources: $(STAMP)
	$(PY) book/_ext/prepare.py sources

# Chapters run in parallel (JOBS at a time, default: all cores) into _build/.jupyter_cache,
# keyed by their code and by convlib (book/_ext/buildcache.py); Jupyter Book then renders
# them from that cache (execute_notebooks: cache). A failing notebook stops the build here.
BOOK_STAMP  := _build/.book-built
BOOK_INPUTS := $(shell find chapters convlib book -type f -not -path '*/__pycache__/*' -not -path 'book/vendor/*' -not -name '*.pyc' 2>/dev/null) _config.yml _toc.yml pyproject.toml

# After a build that succeeded, Sphinx re-renders only the pages whose sources changed (prepare.py
# leaves unchanged files untouched); after a failed or missing one it renders everything from a clean
# site, so a page whose warning failed the last build is never skipped.
book: vendor sources
	@mkdir -p _build; if [ -f $(BOOK_STAMP) ]; then echo incremental; else echo full; fi > _build/.book-mode
	rm -f $(BOOK_STAMP); touch $(BOOK_STAMP).started
	$(PY) book/_ext/buildcache.py _build/src --path-output . $(if $(JOBS),--jobs $(JOBS))
	@if [ "$$(cat _build/.book-mode)" = full ]; then echo "full build"; rm -rf $(SITE) _build/.doctrees; else echo "incremental build"; fi
	$(VENV)/bin/jupyter-book build _build/src --path-output . $$([ "$$(cat _build/.book-mode)" = full ] && echo --all) -W -n --keep-going
	mv $(BOOK_STAMP).started $(BOOK_STAMP)
	@echo "The book is built: open $(CURDIR)/$(SITE)/index.html"

# `make test` builds the book only when it is missing or older than one of its inputs.
$(BOOK_STAMP): $(STAMP) $(BOOK_INPUTS)
	$(MAKE) --no-print-directory book

# One chapter alone, for authors: make chapter N=02 -> _build/ch02/_build/html (own cache: _build/ch02/_build/.jupyter_cache)
chapter: vendor
	$(PY) book/_ext/prepare.py sources $(N)
	$(PY) book/_ext/buildcache.py _build/ch$(N)/src --path-output _build/ch$(N) $(if $(JOBS),--jobs $(JOBS))
	rm -rf _build/ch$(N)/_build/html _build/ch$(N)/_build/.doctrees
	$(VENV)/bin/jupyter-book build _build/ch$(N)/src --path-output _build/ch$(N) --all -W -n --keep-going

test: $(BOOK_STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup --durations=40 -m "not author"

# JupyterLab (README, "Reading in JupyterLab"): the student edition of the chapters in _build/lab/student,
# made again only when a chapter or convlib/course changes; EDITION=instructor opens the master copies.
lab: $(STAMP)
	$(PY) -c 'import jupyterlab' 2>/dev/null || $(PY) -m pip install --quiet -e '.[lab]'
	$(PY) -m convlib.course.lab --edition $(or $(EDITION),student) $(if $(CHAPTERS),--chapters $(CHAPTERS))

bench: $(STAMP)
	$(PY) benchmarks/bench_conv2d.py
	$(PY) benchmarks/bench_deform.py
	$(PY) benchmarks/bench_widgets.py
	$(PY) benchmarks/bench_book.py
	$(PY) benchmarks/bench_page.py

# Homework (README, "For instructors: homework"): editions by otter assign, grading in sandboxes.
student: $(STAMP)
	$(PY) -m convlib.course.editions $(CHAPTERS) --out $(or $(OUT),dist/homework)

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [AUTOGRADER=dist/homework/autograder] [OUT=grades] [TIMEOUT=120] [JOBS=2]"; exit 1; }
	$(PY) -m convlib.course.grading $(SUBMISSIONS) --autograder $(or $(AUTOGRADER),dist/homework/autograder) \
		--out $(or $(OUT),grades) --timeout $(or $(TIMEOUT),120) --jobs $(or $(JOBS),2)

clean:
	rm -rf _build book/vendor
