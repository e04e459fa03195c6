#pragma once
// Time within one boot: CLOCK_BOOTTIME, which counts a suspend too and which a clock set back does not move.
// NetworkManager stamps its checkpoints with it; the confirmation window keeps its deadline in it.
#include <cstdint>

namespace common {

// Milliseconds since this boot began.
std::int64_t boottime_ms();

}  // namespace common
