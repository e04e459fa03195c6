#pragma once
// Runs the built kvm-doctor and reads its JSON report, for the integration tests. A report that does not conform to
// docs/schema/doctor.schema.json fails the test that asked for it (the exception names every violation).
#include <nlohmann/json.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/json_schema.h"
#include "tests/support/process.h"

namespace tests {

struct DoctorRun {
    ProcessResult process;
    nlohmann::json report;
    // status by check id
    std::map<std::string, std::string> statuses() const {
        std::map<std::string, std::string> out;
        for (const auto& check : report.at("checks")) out[check.at("id")] = check.at("status");
        return out;
    }
    const nlohmann::json& check(const std::string& id) const {
        for (const auto& entry : report.at("checks"))
            if (entry.at("id") == id) return entry;
        throw std::runtime_error("no check " + id + " in the report");
    }
};

inline void expect_doctor_schema(const DoctorRun& run) {
    if (auto violations = schema_violations(run.process.out, "doctor"); !violations.empty())
        throw std::runtime_error("kvm-doctor's JSON report " + violations);
}

inline DoctorRun run_doctor_json(std::vector<std::string> extra_args = {},
                                 const std::string& binary = KVM_DOCTOR_BINARY) {
    std::vector<std::string> argv = {binary, "--output", "json"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    DoctorRun run;
    run.process = run_process(argv);
    run.report = nlohmann::json::parse(run.process.out);
    expect_doctor_schema(run);
    return run;
}

}  // namespace tests
