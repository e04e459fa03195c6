#pragma once
// "did you mean": the closest known word to a misspelt one, for error messages.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace profile {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be what was meant (a case-only difference, or at
// most a third of the candidate's length in edits, and at least one); nullopt when none is, or two tie.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string_view>& candidates);

// " (did you mean \"x\"?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

// For a word that must be one of a short list: did_you_mean's hint, or " (expected one of a, b, c)" when no
// choice is close.
std::string choice_hint(std::string_view word, const std::vector<std::string_view>& choices);

}  // namespace profile
