#!/usr/bin/env bash
# The whole test suite from a fresh checkout: install what is missing, build, run every tier, then the
# fixture and unit suite again under AddressSanitizer + UBSan. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

./scripts/install-deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
# The whole-host benchmark against an Ansible playbook takes 8-10 minutes in a TCG guest: it is run by hand
# (docs/benchmarks.md), not on every change.
ctest --test-dir build --output-on-failure -j1 -E '^bench_provision_vs_ansible$'

# Hostile and fixture inputs under the sanitizers: a crash or undefined behaviour fails the run.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKVM_SANITIZE=ON
cmake --build build-asan -j"$jobs" --target unit_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs"
