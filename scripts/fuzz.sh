#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz) in build-fuzz with clang and runs each for a bounded time on a scratch copy
# of its seed corpus. Fails when any target finds a crash, a hang, a leak or undefined behaviour.
#   scripts/fuzz.sh                      every target, KVM_FUZZ_SECONDS (default 15) each
#   scripts/fuzz.sh profile nm_keyfile   only these (names of tests/fuzz/corpus/ directories)
# KVM_FUZZ_JOBS (default 2): the build's jobs, and how many targets run at once.
# KVM_FUZZ_OPTIONAL=1: exit 0 (after saying why) when clang or its fuzzer runtime is missing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$repo/build-fuzz"
seconds=${KVM_FUZZ_SECONDS:-15}
jobs=${KVM_FUZZ_JOBS:-2}
all_targets=(profile accounts bonding cpuinfo key_value_conf libvirt_xml mounts network_definitions os_release
  proc_tables nm_keyfile link_message)
targets=("${all_targets[@]}")
if [[ $# -gt 0 ]]; then targets=("$@"); fi

toolchain_missing() {
  echo "fuzz.sh: $1" >&2
  if [[ ${KVM_FUZZ_OPTIONAL:-0} == 1 ]]; then
    echo "fuzz.sh: skipped (KVM_FUZZ_OPTIONAL=1)" >&2
    exit 0
  fi
  exit 1
}

if [[ ! $seconds =~ ^[1-9][0-9]*$ ]]; then
  # 0 would mean "no limit" to the fuzzer.
  echo "fuzz.sh: KVM_FUZZ_SECONDS must be a positive number of seconds, not '$seconds'" >&2
  exit 1
fi

scratch=$(mktemp -d /tmp/kvm-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

command -v clang++ >/dev/null || toolchain_missing "clang++ is not installed (Debian: apt-get install clang)"
command -v clang >/dev/null || toolchain_missing "clang is not installed (Debian: apt-get install clang)"
# Linking a trivial target proves the fuzzer and sanitizer runtimes are there, whatever their path.
printf 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }\n' >"$scratch/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$scratch/probe.cpp" -o "$scratch/probe" 2>"$scratch/probe.log"; then
  toolchain_missing "clang++ cannot link a fuzz target (fuzzer runtime missing?): $(head -c 400 "$scratch/probe.log")"
fi

for target in "${targets[@]}"; do
  if [[ ! -d "$repo/tests/fuzz/corpus/$target" ]]; then
    echo "fuzz.sh: unknown target '$target' (known: ${all_targets[*]})" >&2
    exit 1
  fi
done

# Debug keeps assertions; -O1 runs several times faster than -O0 and still maps coverage to lines.
cmake -S "$repo" -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DKVM_FUZZ=ON \
  -DKVM_BUILD_TESTS=OFF -DKVM_WERROR=ON -DCMAKE_BUILD_TYPE=Debug --no-warn-unused-cli -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" >"$scratch/configure.log" \
  || { cat "$scratch/configure.log" >&2; exit 1; }
cmake --build "$build_dir" --target fuzz_targets -j "$jobs"

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
artifacts="$build_dir/fuzz-artifacts"
failed=()
# One target's bounded run; its one-line result (and the crash's summary) goes to $scratch/result/TARGET.
fuzz_one() {
  local target=$1 corpus="$scratch/corpus/$1" log="$artifacts/$1/last-run.log" status=0 runs coverage features
  # The fuzzer adds inputs to its corpus directory: give it a copy so the seeds in the repository stay as they are.
  mkdir -p "$corpus" "$artifacts/$target"
  cp -r "$repo/tests/fuzz/corpus/$target/." "$corpus/"
  "$build_dir/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target/" "$corpus" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1) || true
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2) || true
  features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2) || true
  {
    if [[ $status -eq 0 ]]; then
      printf '%-20s ok     runs %-10s cov %-6s ft %s\n' "$target" "${runs:-?}" "${coverage:-?}" "${features:-?}"
    else
      printf '%-20s FAILED runs %-10s cov %-6s ft %s (exit %s)\n' "$target" "${runs:-?}" "${coverage:-?}" \
        "${features:-?}" "$status"
      grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$log" | head -8 | sed 's/^/    /' || true
      echo "    full log: $log"
    fi
  } >"$scratch/result/$target"
  return "$status"
}

# The targets run $jobs at a time (each fuzzer is one process on one core); the results print in the targets' order.
mkdir -p "$scratch/result"
running=0
for target in "${targets[@]}"; do
  if [[ $running -ge $jobs ]]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
wait || true
for target in "${targets[@]}"; do
  if [[ ! -s "$scratch/result/$target" ]]; then
    echo "$target: no result (see $artifacts/$target/last-run.log)"
    failed+=("$target")
    continue
  fi
  cat "$scratch/result/$target"
  if grep -q '^[^ ]* *FAILED' "$scratch/result/$target"; then failed+=("$target"); fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: crashes in: ${failed[*]} (inputs in $artifacts/<target>/)" >&2
  exit 1
fi
