# PHEME — the two commands: `make run` and `make test`. Everything else is a helper.
BUILD      ?= build
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all build run run-deps test bench deps clean fuzz web

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target pheme
	@ln -sf $(BUILD)/compile_commands.json compile_commands.json

# The main job: the whole local stack (`pheme dev`): anvil from the npm package on loopback, the
# contract suite deployed by the C deployer, demo data on chain and in SQLite (data/dev), the
# server with its indexer and transaction manager. Ctrl-C stops it all.
run: run-deps build web
	@scripts/contracts.sh deps
	@mkdir -p data
	./$(BUILD)/pheme dev

# What `make run` needs beyond the build: Node.js and npm (the web app, anvil from npm).
run-deps:
	@scripts/deps.sh run

# The web app (React + Vite), built into web/dist when its sources changed.
web:
	@if [ -x scripts/web.sh ]; then scripts/web.sh build; fi

# Every test layer; see scripts/test.sh (LAYERS="unit asan …" to run some).
test:
	@scripts/test.sh

bench: build
	@bench/run.sh

# Long fuzzing: make fuzz FUZZ_SECONDS=3600
fuzz:
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} LAYERS=fuzz scripts/test.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz compile_commands.json data/dev
