#pragma once
// The JSON contract: a document the programs printed, checked against docs/schema/<name>.schema.json with
// python3-jsonschema (tests/support/check_json_schema.py), so every tier validates the outputs of its real runs.
#include <string>

namespace tests {

// "" when `document` conforms to the schema `name` (doctor, plan, apply, validate, readiness, catalogue); else the
// violations, one per line, each with its path in the document.
std::string schema_violations(const std::string& document, const std::string& name);

}  // namespace tests
