#pragma once
// Fact<T>: one thing the doctor read about the host. Either the value, "unavailable" (this run cannot
// ask: --root, no bus; its checks SKIP with the reason) or an error (the input was unreadable or
// malformed; only the checks that need it are ERROR).
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace checks {

struct Unavailable {
    std::string reason;
};
struct ReadError {
    std::string reason;
};

template <typename T>
class Fact {
public:
    Fact() : m_state(Unavailable{"not collected"}) {}
    Fact(T value) : m_state(std::move(value)) {}
    Fact(Unavailable why) : m_state(std::move(why)) {}
    Fact(ReadError why) : m_state(std::move(why)) {}

    bool has_value() const { return std::holds_alternative<T>(m_state); }
    bool is_unavailable() const { return std::holds_alternative<Unavailable>(m_state); }
    const T& value() const { return std::get<T>(m_state); }
    const T* operator->() const { return &value(); }
    // The reason when there is no value.
    const std::string& reason() const {
        if (const auto* u = std::get_if<Unavailable>(&m_state)) return u->reason;
        return std::get<ReadError>(m_state).reason;
    }

private:
    std::variant<T, Unavailable, ReadError> m_state;
};

// An unprivileged run (an NRPE or Icinga agent) cannot read root-only inputs such as qemu.conf or
// NetworkManager's keyfiles. That says nothing about the host, so such a read error becomes "unavailable" and
// its checks SKIP, saying how to run them; as root the same error stays an error.
inline constexpr const char* k_needs_root = "run as root (or via sudo)";
template <typename T>
Fact<T> unavailable_when_unprivileged(Fact<T> fact, bool privileged) {
    if (privileged || fact.has_value() || fact.is_unavailable()) return fact;
    if (fact.reason().find(std::strerror(EACCES)) == std::string::npos) return fact;
    return Unavailable{fact.reason() + ": " + k_needs_root};
}

}  // namespace checks
