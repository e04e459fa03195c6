#include "checks/parsers/os_release.h"

#include "common/text.h"

namespace checks {

common::Result<OsRelease> parse_os_release(std::string_view text) {
    OsRelease release;
    for (auto line : common::lines(text)) {
        line = common::trim(line);
        if (line.empty() || line.front() == '#') continue;
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) continue;
        const auto key = line.substr(0, equals);
        auto value = line.substr(equals + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        if (key == "ID") release.id = value;
        else if (key == "ID_LIKE") release.id_like = value;
        else if (key == "VERSION_ID") release.version_id = value;
        else if (key == "PRETTY_NAME") release.pretty_name = value;
    }
    if (release.id.empty()) return common::make_error("no ID= line");
    return release;
}

}  // namespace checks
