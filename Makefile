# The two commands of the README: `make demo` and `make test`. Both install what is
# missing from Debian's archive first (as root), then build with CMake.
BUILD_DIR ?= build
TEST_BUILD_DIR ?= build-test
JOBS ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: all deps test-deps build demo test format clean

all: build

deps:
	@bash scripts/install-deps.sh build

test-deps:
	@bash scripts/install-deps.sh test

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_TESTS=OFF
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Until `ferry run submit` exists the demo creates (on first use) and shows the default
# workspace.
demo: build
	./$(BUILD_DIR)/ferry workspace list
	./$(BUILD_DIR)/ferry workspace show

# The test build: ASan + UBSan, warnings as errors; then every unit and e2e test.
test: test-deps
	cmake -S . -B $(TEST_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DFERRY_SANITIZE=ON -DFERRY_WERROR=ON
	cmake --build $(TEST_BUILD_DIR) -j$(JOBS)
	cd $(TEST_BUILD_DIR) && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
