#pragma once
// The benchmarks that run in a guest of the system tier time their commands inside it, so the round trips
// through the guest agent are not in the figures: this wrapper, written to /root/kvm-bench/timed.sh, runs
// a command and prints "EXIT WALL_US CPU_MS" (bash's $EPOCHREALTIME; `times` for the user + system time of
// the command and the processes it waited for).
namespace bench {

inline constexpr const char* k_timed_sh = R"SH(#!/bin/bash
# Usage: timed.sh OUT ERR COMMAND [ARG]...   (stdin /dev/null, stdout to OUT, stderr to ERR)
out=$1 err=$2
shift 2
export HOME=/root LC_ALL=C.UTF-8 ANSIBLE_CONFIG=/root/kvm-bench/ansible.cfg
cd /root/kvm-bench || exit 125
start=$EPOCHREALTIME
"$@" < /dev/null > "$out" 2> "$err"
status=$?
end=$EPOCHREALTIME
times > /run/kvm-bench-times
{ read -r _ _; read -r user system; } < /run/kvm-bench-times
ms() {  # "1m2.345s" -> 62345
  [[ $1 =~ ^([0-9]+)m([0-9]+)\.([0-9]{3})s$ ]] || { echo 0; return; }
  echo $(( ${BASH_REMATCH[1]} * 60000 + 10#${BASH_REMATCH[2]} * 1000 + 10#${BASH_REMATCH[3]} ))
}
echo "$status $(( ${end/./} - ${start/./} )) $(( $(ms "$user") + $(ms "$system") ))"
)SH";

}  // namespace bench
