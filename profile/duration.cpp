#include "profile/duration.h"

#include <array>
#include <cstdint>

namespace profile {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    using namespace std::chrono;
    constexpr std::int64_t k_max_ms = 7LL * 24 * 3600 * 1000;
    struct Unit {
        std::string_view suffix;
        std::int64_t ms;
    };
    // Largest first; "ms" before "m" so the longer suffix wins.
    constexpr std::array<Unit, 4> k_units{{{"h", 3600 * 1000}, {"ms", 1}, {"m", 60 * 1000}, {"s", 1000}}};
    constexpr std::array<int, 4> k_rank{0, 3, 1, 2};  // order the units must appear in: h, m, s, ms

    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    int last_rank = -1;
    while (!text.empty()) {
        std::size_t digits = 0;
        std::int64_t number = 0;
        while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
            number = number * 10 + (text[digits] - '0');
            if (number > k_max_ms) return std::nullopt;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        text.remove_prefix(digits);
        if (text.empty()) {
            if (last_rank >= 0) return std::nullopt;  // "1m30" is ambiguous
            total = number * 1000;
            break;
        }
        bool matched = false;
        for (std::size_t u = 0; u < k_units.size(); ++u) {
            if (!text.starts_with(k_units[u].suffix)) continue;
            if (k_rank[u] <= last_rank) return std::nullopt;
            last_rank = k_rank[u];
            total += number * k_units[u].ms;
            text.remove_prefix(k_units[u].suffix.size());
            matched = true;
            break;
        }
        if (!matched || total > k_max_ms) return std::nullopt;
    }
    if (total <= 0 || total > k_max_ms) return std::nullopt;
    return milliseconds(total);
}

}  // namespace profile
