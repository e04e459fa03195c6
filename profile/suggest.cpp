#include "profile/suggest.h"

#include <algorithm>

namespace profile {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
        return lower(x) == lower(y);
    });
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rolling rows: the swap of two neighbours looks two rows back.
    std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], before[j - 2] + 1);
        }
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string_view>& candidates) {
    for (auto candidate : candidates)
        if (equal_ignoring_case(word, candidate) && word != candidate) return std::string(candidate);
    std::optional<std::string_view> best;
    std::size_t best_distance = 0;
    bool tie = false;
    for (auto candidate : candidates) {
        const auto distance = edit_distance(word, candidate);
        const auto allowed = std::max<std::size_t>(1, candidate.size() / 3);
        if (distance == 0 || distance > allowed) continue;
        if (!best || distance < best_distance) {
            best = candidate;
            best_distance = distance;
            tie = false;
        } else if (distance == best_distance) {
            tie = true;
        }
    }
    if (!best || tie) return std::nullopt;
    return std::string(*best);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
    const auto suggestion = closest(word, candidates);
    return suggestion ? " (did you mean \"" + *suggestion + "\"?)" : std::string();
}

std::string choice_hint(std::string_view word, const std::vector<std::string_view>& choices) {
    if (auto hint = did_you_mean(word, choices); !hint.empty()) return hint;
    std::string listed;
    for (auto choice : choices) listed += (listed.empty() ? "" : ", ") + std::string(choice);
    return " (expected one of " + listed + ")";
}

}  // namespace profile
