# The two commands: `make demo` runs everything locally, `make test` checks everything.
# Tools install into the cache directory (~/.cache/rust-serverless-automations) on first use.

.PHONY: demo test package bench tools build lint clean

demo:
	scripts/demo.sh

test:
	scripts/test.sh

# Release arm64 build of every function with SAM, as `sam deploy` uploads them.
package:
	scripts/package.sh

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
