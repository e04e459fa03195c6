#include "common/bounded_call.h"

#include <atomic>

namespace common {
namespace {
std::atomic<int> g_abandoned{0};
}

int abandoned_calls() { return g_abandoned.load(); }
void note_abandoned_call() { ++g_abandoned; }

}  // namespace common
