#include "host/packages/package_backend.h"

#include "common/host_root.h"

namespace host::packages {
namespace {

constexpr std::size_t k_dpkg_status_limit = 256 * 1024 * 1024;

class Backend : public PackageBackend {
public:
    Backend(provision::PackageManager manager, BackendOptions options)
        : m_manager(manager), m_options(std::move(options)) {
        if (!m_options.runner) m_options.runner = exec::run_program;
    }
    provision::PackageManager manager() const override { return m_manager; }

protected:
    // Runs `command` under the timeout with its output going to the log line by line.
    common::Result<exec::ProgramResult> run(const provision::Command& command) const {
        exec::Program program;
        program.argv = command.argv;
        program.environment = command.environment;
        program.timeout = m_options.timeout;
        if (m_options.log_line) {
            const std::string name = command.argv.front();
            program.on_line = [this, name](exec::Stream stream, std::string_view line) {
                m_options.log_line(name, stream, line);
            };
        }
        return m_options.runner(program);
    }

    // "dnf -y install a b: exited with 1: Error: Unable to find a match: b"
    common::Error failed(const provision::Command& command, const exec::ProgramResult& result) const {
        std::string message = exec::command_line(command.argv) + ": " + result.status(m_options.timeout);
        if (const auto tail = result.tail(); !tail.empty()) message += ": " + tail;
        return common::make_error(message);
    }

    provision::PackageManager m_manager;
    BackendOptions m_options;
};

class AptBackend final : public Backend {
public:
    using Backend::Backend;

    common::Result<std::set<std::string>> installed(const std::vector<std::string>& names) override {
        const common::HostRoot root(m_options.root);
        auto text = root.read_text("/var/lib/dpkg/status", k_dpkg_status_limit);
        if (!text) return common::make_error("reading the dpkg database: " + text.error().message);
        auto packages = provision::parse_dpkg_status(text.value());
        if (!packages) return common::make_error("reading the dpkg database: " + packages.error().message);
        const auto all = provision::installed_names(packages.value());
        std::set<std::string> installed;
        for (const auto& name : names)
            if (all.count(name)) installed.insert(name);
        return installed;
    }

    common::Result<InstallReport> install(const std::vector<std::string>& names) override {
        auto command = provision::install_command(m_manager, names, m_options.root);
        if (!command) return command.error();
        InstallReport report;
        // A new host may have no package lists; an unreachable mirror only leaves the old lists in place.
        const auto update = provision::apt_update_command();
        auto updated = run(update);
        if (!updated) return updated.error();
        if (!updated->succeeded())
            report.notes.push_back(failed(update, updated.value()).message + " (installing from the package lists there are)");
        auto result = run(command.value());
        if (!result) return result.error();
        if (!result->succeeded()) return failed(command.value(), result.value());
        return report;
    }
};

class RpmBackend final : public Backend {
public:
    using Backend::Backend;

    common::Result<std::set<std::string>> installed(const std::vector<std::string>& names) override {
        if (names.empty()) return std::set<std::string>{};
        const provision::Command query{provision::rpm_query_command(names, m_options.root), {}};
        auto result = run(query);
        if (!result) return result.error();
        // rpm exits with the number of names not installed; anything on stderr is the database failing.
        if (result->timed_out || result->signal || result->err.find("error:") != std::string::npos)
            return failed(query, result.value());
        return provision::parse_rpm_query(result->out, names);
    }

    common::Result<InstallReport> install(const std::vector<std::string>& names) override {
        auto command = provision::install_command(m_manager, names, m_options.root);
        if (!command) return command.error();
        auto result = run(command.value());
        if (!result) return result.error();
        if (!result->succeeded()) return failed(command.value(), result.value());
        return InstallReport{};
    }
};

}  // namespace

std::unique_ptr<PackageBackend> make_backend(provision::PackageManager manager, BackendOptions options) {
    if (manager == provision::PackageManager::apt) return std::make_unique<AptBackend>(manager, std::move(options));
    return std::make_unique<RpmBackend>(manager, std::move(options));
}

}  // namespace host::packages
