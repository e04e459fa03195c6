#pragma once
// Small string helpers shared by the parsers: no allocation where a view will do.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace common {

std::string_view trim(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);
// Splits on runs of spaces and tabs, dropping empty fields.
std::vector<std::string_view> split_whitespace(std::string_view text);
std::vector<std::string_view> lines(std::string_view text);
std::optional<std::uint64_t> parse_uint(std::string_view text, int base = 10);
std::optional<std::int64_t> parse_int(std::string_view text);
// "Y", "1", "on", "yes", "true" → true; "N", "0", "off", "no", "false" → false.
std::optional<bool> parse_bool_word(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// "16.0 GiB", "512.0 MiB": for evidence lines.
std::string human_bytes(std::uint64_t bytes);
// Host data quoted in evidence or a message, made harmless: control characters shown escaped (\n, \t,
// \xNN) so it stays on one line and cannot drive a terminal, and anything past `max_length` bytes cut
// off with "...".
std::string escape_controls(std::string_view text, std::size_t max_length = 80);
// Text for an XML attribute or element (libvirt's domain and pool XML): & < > ' " as entities.
std::string xml_escape(std::string_view text);

}  // namespace common
