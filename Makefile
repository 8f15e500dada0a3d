# The two commands of the README: `make run` and `make test`. Both install what is missing.
.PHONY: run test lint bench audit

run:
	scripts/bootstrap.sh run
	.venv/bin/minqing run

test:
	scripts/bootstrap.sh test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/python scripts/audit_deps.py
	.venv/bin/python -m pytest -n 2 --dist loadfile

bench:
	scripts/bootstrap.sh run
	.venv/bin/python bench/seed.py

audit:
	scripts/bootstrap.sh run
	.venv/bin/python scripts/audit_deps.py
