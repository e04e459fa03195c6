#pragma once
// One kvm-agent run at a time: an exclusive flock on a lock file, held until the RunLock goes away (or the
// process dies, so a killed run never leaves a stale lock). The file records the holder's pid for the message
// a second run prints.
#include <string>

#include "common/result.h"

namespace host {

class RunLock {
public:
    // Fails at once, naming the holder, when another run holds the lock.
    static common::Result<RunLock> acquire(const std::string& path);

    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&& other) noexcept;
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    ~RunLock();

    // Closes this process's descriptor. A forked child calls it so that only the parent holds the lock and
    // it ends with the parent (flock belongs to the open file, which the child shares until it closes it).
    void release();

private:
    explicit RunLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};


}  // namespace host
