# The two commands: `make demo` runs everything locally, `make test` checks everything.
# Tools install into the cache directory (~/.cache/rust-serverless-automations) on first use.

.PHONY: demo test package plan bench tools build lint clean

demo:
	scripts/demo.sh

test:
	scripts/test.sh

# Release arm64 build with SAM, as `sam deploy` uploads it: every workflow, or one with
# `make package WORKFLOW=glue-session-stop`.
package:
	scripts/package.sh

# What deploying template.yaml would create, offline: `make plan PARAMS="SecurityRemediation=true"`.
plan:
	scripts/install-tools.sh
	scripts/plan.sh $(PARAMS)

# Every benchmark, then a summary table: per function start-up, peak memory and zipped size
# against a Python/boto3 function; the bronze conversion against pandas/pyarrow; the crawler
# against wget -r; the month-long cost-safety simulation.
bench:
	scripts/bench.sh

tools:
	scripts/install-tools.sh

build:
	scripts/run.sh cargo build --workspace --bins

lint:
	scripts/run.sh cargo clippy --workspace --all-targets --all-features -- -D warnings

clean:
	scripts/run.sh cargo clean
	rm -rf .aws-sam
