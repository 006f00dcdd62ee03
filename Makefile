# SparkScout. `make demo` and `make test` install on first use (a local .venv).
PY_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
OUT     ?= demo-out

.PHONY: install demo test bench bench-scale eval fixtures lint clean debs

# Debian data the OCR reads with (Tesseract language models for the scripts PP-OCR lacks)
# and the fonts the script tests draw with. Installed with apt-get when missing (as root;
# otherwise the command to run is printed and OCR of those scripts is reported "not read").
DEBS := tesseract-ocr-vie tesseract-ocr-rus tesseract-ocr-ara tesseract-ocr-hin tesseract-ocr-tha \
        tesseract-ocr-kor fonts-noto-core fonts-noto-cjk libfribidi0

install: debs $(STAMP)

debs:
	@command -v dpkg-query >/dev/null 2>&1 || { echo "not Debian: install Tesseract language data for vie rus ara hin tha kor (set TESSDATA_PREFIX) and Noto fonts"; exit 0; }; \
	missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages; run: sudo apt-get install --no-install-recommends $$missing"; fi; \
	fi

# torch==2.13.0 first: it is a local CPU build here; anything else pulls several GB.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PY_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: install
	$(VENV)/bin/sparkscout score fixtures/videos --campaign pipelines/demo.toml --out $(OUT)
	@echo "Open $(OUT)/report.html in a browser; $(OUT)/requests.md has the ad-code requests (ranking.json, ranking.csv, features.parquet, results.sqlite beside them)."

test: install
	$(PY) -m pytest -q

bench: install  # BENCH_ARGS="--real DIR" adds real-content rows from your own clips
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

bench-scale: install  # SCALE_ARGS="--media DIR": 1, 4, 8, 16 workers on 48 distinct clips built from DIR (docs/DEVICE.md)
	$(PY) benchmarks/bench_scale.py $(SCALE_ARGS)

eval: install
	$(VENV)/bin/sparkscout eval fixtures/videos/ground_truth.json --out eval-out

fixtures: install
	$(PY) fixtures/generate.py --out fixtures/videos
	$(PY) fixtures/generate_ladders.py
	$(PY) fixtures/generate_product.py

lint: install
	$(VENV)/bin/ruff check scoring tests fixtures benchmarks

clean:
	rm -rf $(VENV) $(OUT) eval-out .pytest_cache
