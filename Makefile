# csp — a thin, self-documenting menu over CMake presets. `make help` lists the targets.
# CMake is the source of truth; every target here is a preset build plus a ctest label.

JOBS ?= $(shell nproc)
export JOBS

.DEFAULT_GOAL := help
.PHONY: help deps demo check check-long build test prop models mutants tsan asan clang \
        install-test bench bench-peers ratio-series order-matrix format format-check tidy clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## Install the Debian packages the tiers need (root), or print the apt-get line
	@tools/deps.sh

demo: deps ## Build and run the examples with their output (the main job)
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target demo

check: deps ## Build and run every tier (unit stress prop example install model mutant tsan asan)
	@tools/check.sh

check-long: deps ## As check, stress x10 and the deep model bounds — opt-in, slow
	@CSP_STRESS_SCALE=10 CSP_MODEL_DEEP=1 tools/check.sh

build: deps ## Configure and build the release tree (tests, examples, benchmarks)
	@cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)

test: deps ## Unit tests only (release tree)
	@CSP_TIERS=unit tools/check.sh

.PHONY: stress
stress: deps ## Stress tests only (release; CSP_STRESS_SCALE=10 for the soak)
	@CSP_TIERS=stress tools/check.sh

prop: deps ## Property tests only
	@CSP_TIERS=prop tools/check.sh

models: deps ## Relacy models only
	@CSP_TIERS=model tools/check.sh

mutants: deps ## Planted bugs only (each must be caught)
	@CSP_TIERS=mutant tools/check.sh

tsan: deps ## ThreadSanitizer lane only
	@CSP_TIERS=tsan tools/check.sh

asan: deps ## AddressSanitizer + UBSan lane only (built with clang 14)
	@CSP_TIERS=asan tools/check.sh

clang: deps ## Unit tests and examples with clang 14 at -O3 (opt-in, not in check)
	@CSP_TIERS=clang tools/check.sh

install-test: deps ## An outside project does find_package(csp) against an install
	@CSP_TIERS=install tools/check.sh

order-matrix: deps ## Weaken each memory order one step; which model catches it (opt-in, ~1 h+)
	@JOBS=$(JOBS) tools/order_matrix.sh

bench: deps ## Build (release) and run the benchmarks, side by side with their peers
	@cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)
	@for b in build/release/bench/*_bench; do echo "== $$b"; $$b --benchmark_repetitions=3 \
	  --benchmark_report_aggregates_only=true --benchmark_min_time=0.2; done

bench-peers: deps ## The channel rows beside Go's and crossbeam's, ratios within rounds and windows (~8 min)
	@tools/bench_peers.sh

ratio-series: deps ## Capacity-0 ping-pong over the spin floor, sampled for 10 min (CSP_SERIES_*)
	@tools/ratio_series.sh

format: ## Apply clang-format to every C++ file
	@git ls-files '*.hpp' '*.cpp' | xargs clang-format -i

format-check: ## Fail if any C++ file is not clang-formatted
	@git ls-files '*.hpp' '*.cpp' | xargs clang-format --dry-run --Werror

tidy: ## clang-tidy over the release tree's compile database
	@cmake --preset release >/dev/null
	@git ls-files 'primitives/tests/*.cpp' 'examples/*.cpp' | xargs clang-tidy -p build/release --quiet

clean: ## Remove every build tree
	rm -rf build
