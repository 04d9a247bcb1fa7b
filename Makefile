# The two commands: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

MODEL_DIR := models/ofsted-minilm

.PHONY: install model run test test-fast lint bench clean

$(BIN)/ofsted-bot: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned, so nothing else can pull a CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# The encoder fine-tuned on the knowledge's example questions (EMBEDDING_MODEL=tuned): built
# again when the facts or the recipe change; deterministic, so every machine builds the same one.
# Its twin tuned on the knowledge without the hand-written questions is what `calibrate` and
# `eval --without-example-questions` measure with.
$(MODEL_DIR)/tuning.json: $(shell find knowledge -name '*.yaml' -o -name '*.yml') src/retrieval/evaluation/tuning.py src/retrieval/matching/generated_questions.py | $(BIN)/ofsted-bot
	OMP_NUM_THREADS=2 $(BIN)/ofsted-bot tune-encoder -o $(MODEL_DIR)
	OMP_NUM_THREADS=2 $(BIN)/ofsted-bot tune-encoder --without-example-questions

model: $(MODEL_DIR)/tuning.json

install: $(BIN)/ofsted-bot $(MODEL_DIR)/tuning.json

# One math thread per library: on 2 cores, numpy's and torch's pools otherwise fight each
# other and stall answers under load (see BENCHMARKS.md, "Thread settings").
run: install
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m bot.runtime.run

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Everything but the slow end-to-end checks and the evaluations over whole question sets
# (marked `slow` and `quality`): for a quick round while developing.
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -m "not slow and not quality"

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .cache var models
