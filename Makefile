# The two commands of the course (see README.md):
#   make lab    create .venv, install everything, open the lessons in JupyterLab
#   make lab-ko the same, opening the Korean edition (한국어판, notebooks/ko/)
#   make test   create .venv if needed, run ruff, the unit tests and every notebook (nbval)
#   make unit   ruff and the unit tests alone: no notebook, no browser (minutes, not half an hour)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab lab-ko test unit notebooks clean

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

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

clean:
	rm -rf $(VENV)
