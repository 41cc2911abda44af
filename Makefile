# The two commands of the course (see README.md):
#   make lab    create .venv, install everything, open the lessons in JupyterLab
#   make lab-ko the same, opening the Korean edition (한국어판, notebooks/ko/)
#   make test   create .venv if needed, run ruff, the unit tests and every notebook (nbval)
#   make unit   ruff and the unit tests alone: no notebook, no browser (minutes, not half an hour)
#   make build  rebuild what is generated, in order: navigation links, the Korean edition, every
#               notebook's stored outputs (English, then Korean; many minutes), the README's figures
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab lab-ko test unit notebooks build clean

# JupyterLab refuses to run as root unless told; containers and cloud machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/00_start_here.ipynb

lab-ko: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/ko/00_start_here.ipynb

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests -m "not browser"

# Re-execute every notebook in place so the stored outputs are current.
notebooks: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py

# Everything generated, each step reading what the one before wrote: the Korean edition takes the
# English links and text, the run stores the outputs, and the README's figures come from them.
build: $(STAMP)
	$(BIN)/python scripts/make_navigation.py
	$(BIN)/python scripts/build_korean.py
	$(BIN)/python scripts/run_notebooks.py notebooks/[0-9][0-9]_*.ipynb notebooks/ko/[0-9][0-9]_*.ipynb
	$(BIN)/python scripts/export_figures.py

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

clean:
	rm -rf $(VENV)
