#include "tests/support/json_schema.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "tests/support/process.h"

namespace tests {

std::string schema_violations(const std::string& document, const std::string& name) {
    static std::atomic<int> counter{0};
    const auto path = std::filesystem::temp_directory_path() /
                      ("kvm-schema-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".json");
    std::ofstream(path) << document;
    const auto run = run_process({"python3", KVM_SOURCE_DIR "/tests/support/check_json_schema.py", name, path.string()});
    std::filesystem::remove(path);
    if (run.exit_code == 0) return "";
    return "does not conform to docs/schema/" + name + ".schema.json:\n" + run.out + run.err;
}

}  // namespace tests
