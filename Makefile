# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 5000
SEEDS  ?= ../shared/seeds
CONTENT_FILES := $(shell find content -type f -name '*.yaml' 2>/dev/null)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SSEXPLAIN_SEEDS ?= $(SEEDS)

.PHONY: run dev test index install clean

# A bad setting stops it with one line naming the variable (gunicorn.conf.py), exit code 1.
run: index
	@HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn --config gunicorn.conf.py 'app:create_app()'

dev: index
	$(VENV)/bin/flask --app app:create_app run --debug --host $(HOST) --port $(PORT)

test: index
	$(PY) -m pytest $(PYTEST_ARGS)

index: index/manifest.json

install: $(VENV)/.installed

# torch first, from the local CPU wheel, so nothing later pulls in CUDA packages.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PIP) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -e .
	touch $@

index/manifest.json: $(VENV)/.installed $(CONTENT_FILES)
	$(PY) -m ssexplain build-index

clean:
	rm -rf $(VENV) index/*.faiss index/*.json test-artifacts
