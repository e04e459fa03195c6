#!/usr/bin/env bash
# The builds the last phases of scripts/test-all.sh run: the unit and netns tiers and kvm-agent under
# AddressSanitizer + UBSan (build-asan), and the fuzz targets (build-fuzz, through fuzz.sh). test-all.sh runs this
# beside the system tier, at the lowest priority.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKVM_SANITIZE=ON -DKVM_WERROR=ON
cmake --build build-asan -j"$jobs" --target unit_tests netns_tests kvm-agent
./scripts/fuzz.sh --build-only
