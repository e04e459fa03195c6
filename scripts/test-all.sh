#!/usr/bin/env bash
# The whole test suite from a fresh checkout: install what is missing, build, run every tier, then the
# unit and netns tiers again under AddressSanitizer + UBSan, and the fuzz targets. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# Each phase's start and the time since the run began, so a slow CI run shows which phase grew.
phase() { echo "=== $(date -u +%H:%M:%S) +$((SECONDS / 60))m$((SECONDS % 60))s: $*"; }

phase "dependencies"
./scripts/install-deps.sh
# Ninja keeps both cores busy across the libraries' and programs' boundaries, where make waits for each library
# before the next starts. CMake reads this only when it creates a build directory: one made before keeps its
# generator.
export CMAKE_GENERATOR=${CMAKE_GENERATOR:-Ninja}

# Release, as users and packagers build it (-O3 finds warnings -O2 does not), with warnings as errors.
phase "release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKVM_WERROR=ON
cmake --build build -j"$jobs"
# The unit and netns tiers run as one process each: through ctest they would be ~1,000 processes, one per test,
# which cost more than the tests do (several times more under the sanitizers).
phase "unit tier"
timeout 900 build/tests/unit_tests --gtest_brief=1
phase "netns tier"
timeout 900 build/tests/netns_tests --gtest_brief=1
# The rest but the system tier. Benchmarks are run by hand (docs/benchmarks.md): they want an idle machine and
# assert no time.
phase "the rest but the system tier"
ctest --test-dir build --output-on-failure -j1 -LE '^(bench|system|unit|netns)$'
# The system tier: the shared guest and the guests of their own tests boot side by side, one vCPU each.
phase "system tier"
ctest --test-dir build --output-on-failure -j2 -L '^system$'

# Hostile and fixture inputs under the sanitizers: a crash or undefined behaviour fails the run. The netns tier
# runs there too: kvm-agent itself, built with the sanitizers, against the real kernel.
phase "sanitizer build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKVM_SANITIZE=ON -DKVM_WERROR=ON
cmake --build build-asan -j"$jobs" --target unit_tests netns_tests kvm-agent
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
phase "unit tier under the sanitizers"
timeout 1800 build-asan/tests/unit_tests --gtest_brief=1
phase "netns tier under the sanitizers"
timeout 1800 build-asan/tests/netns_tests --gtest_brief=1
unset ASAN_OPTIONS UBSAN_OPTIONS

# Coverage-guided fuzzing of every parser of untrusted input (tests/fuzz), a short bounded run per target on its
# seed corpus, under ASan and UBSan: a crash, hang, leak or undefined behaviour fails the run.
phase "fuzz targets"
KVM_FUZZ_SECONDS=${KVM_FUZZ_SECONDS:-10} ./scripts/fuzz.sh
phase "done"
