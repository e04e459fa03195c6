#pragma once
// Runs a call that may block (a hung daemon) on a worker thread and gives up after a deadline.
// A call that overruns is abandoned, not killed: the caller reports the timeout and the process
// must then leave with std::_Exit-style termination (see abandoned_calls()).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace common {

// How many bounded calls overran their deadline and still run in the background.
int abandoned_calls();
void note_abandoned_call();

template <typename T>
std::optional<T> call_with_deadline(std::function<T()> call, std::chrono::milliseconds deadline) {
    struct Shared {
        std::mutex mutex;
        std::condition_variable done;
        std::optional<T> value;
    };
    auto shared = std::make_shared<Shared>();
    std::thread([shared, call = std::move(call)]() mutable {
        T value = call();
        std::lock_guard lock(shared->mutex);
        shared->value = std::move(value);
        shared->done.notify_all();
    }).detach();
    std::unique_lock lock(shared->mutex);
    if (!shared->done.wait_for(lock, deadline, [&] { return shared->value.has_value(); })) {
        note_abandoned_call();
        return std::nullopt;
    }
    return std::move(shared->value);
}

}  // namespace common
