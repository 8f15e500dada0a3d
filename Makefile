# The two commands of the README: `make run` and `make test`. Both install what is missing.
.PHONY: run test lint bench

run:
	scripts/bootstrap.sh run
	.venv/bin/minqing run

test:
	scripts/bootstrap.sh test
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

bench:
	scripts/bootstrap.sh run
	.venv/bin/python bench/seed.py
