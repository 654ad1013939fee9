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

# Start-up time of each function (process start to its first Runtime API poll), and the
# bronze conversion against pandas/pyarrow on the same file, and the crawler against wget -r
# on the Python docs.
bench:
	scripts/bench-startup.sh
	scripts/bench-bronze.sh
	scripts/bench-crawl.sh

tools:
	scripts/install-tools.sh

build:
	scripts/run.sh cargo build --workspace --bins

lint:
	scripts/run.sh cargo clippy --workspace --all-targets --all-features -- -D warnings

clean:
	scripts/run.sh cargo clean
	rm -rf .aws-sam
