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
// A monitoring plugin's output (Nagios, Icinga, NRPE): first the state and the verdict with its counts, then the
// perfdata (each status's count, the checks' time); below it one line per FAIL, ERROR and WARN. The exit code
// (exit_code_for) already is the plugin's: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
std::string render_nagios(const DoctorReport& report);
// One line per check: id and title, for --list.
std::string render_catalogue();
// {"version":1,"checks":[{"id","title"}]}, for --list --output json.
std::string render_catalogue_json();

}  // namespace agent
