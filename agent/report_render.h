#pragma once
// Renders a DoctorReport for a person (aligned columns, optional colour) or a program (JSON, version 1).
#include <string>

#include "agent/doctor.h"

namespace agent {

struct TextStyle {
    bool color = false;
    bool quiet = false;    // only non-PASS lines; a FAIL is never hidden
    bool verbose = false;  // evidence for PASS lines too
};

std::string render_text(const DoctorReport& report, const TextStyle& style);
// {"version":1,"verdict":...,"checks":[{"id","title","status","evidence","fix","duration_ms"}]}
std::string render_json(const DoctorReport& report);
// One line per check: id and title, for --list.
std::string render_catalogue();
// {"version":1,"checks":[{"id","title"}]}, for --list --output json.
std::string render_catalogue_json();

}  // namespace agent
