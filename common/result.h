#pragma once
// Result<T>: a value or an Error, for expected failures at seams (GCC 11 has no std::expected).
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace common {

struct Error {
    std::string message;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Error error) : m_state(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    const T& value() const& { return checked(); }
    T& value() & { return const_cast<T&>(checked()); }
    T&& value() && { return std::move(const_cast<T&>(checked())); }
    const T& operator*() const { return value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<Error>(m_state); }

private:
    const T& checked() const {
        if (!ok()) throw std::logic_error("Result holds an error: " + error().message);
        return std::get<T>(m_state);
    }
    std::variant<T, Error> m_state;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}  // namespace common
