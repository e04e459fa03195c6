#include "agent/steps/kvm_step.h"

#include <spdlog/spdlog.h>

#include "checks/parsers/cpuinfo.h"
#include "checks/parsers/proc_tables.h"
#include "common/host_root.h"
#include "common/text.h"
#include "host/files/atomic_file.h"

namespace agent {
namespace {

constexpr const char* k_modules[] = {"kvm", "kvm_intel", "kvm_amd"};

// The file's content, nullopt when it does not exist.
common::Result<std::optional<std::string>> read_optional(const common::HostRoot& root, std::string_view path) {
    if (!root.exists(path)) return std::optional<std::string>{};
    auto text = root.read_text(path, 1024 * 1024);
    if (!text) return text.error();
    return std::optional<std::string>(std::move(text).value());
}

std::string file_line(const host::files::FileChange& change) {
    std::string line = std::string(host::files::to_string(change.action)) + " " + change.path;
    if (!change.backup.empty()) line += " (the previous version kept in " + change.backup + ")";
    return line;
}

}  // namespace

KvmStep::KvmStep(profile::KvmSection section, StepSettings settings, LoaderFactory loader)
    : m_section(section), m_settings(std::move(settings)), m_loader_factory(std::move(loader)) {}

common::Result<provision::KvmObserved> KvmStep::observe() const {
    const common::HostRoot root(m_settings.root);
    provision::KvmObserved observed;
    observed.can_load = static_cast<bool>(m_loader_factory);

    auto cpuinfo = root.read_text("/proc/cpuinfo");
    if (!cpuinfo) return common::make_error("reading the CPU's flags: " + cpuinfo.error().message);
    auto cpu = checks::parse_cpuinfo(cpuinfo.value());
    if (!cpu) return common::make_error("reading the CPU's flags: " + cpu.error().message);
    observed.vendor = provision::vendor_of(cpu.value());

    // Loaded modules are in /proc/modules; built-in ones only have /sys/module/NAME.
    auto modules = read_optional(root, "/proc/modules");
    if (!modules) return modules.error();
    if (modules.value()) observed.present = checks::parse_proc_modules(**modules);
    for (const char* module : k_modules)
        if (root.exists("/sys/module/" + std::string(module))) observed.present.insert(module);

    for (auto [path, slot] : {std::pair{provision::k_modules_load_file, &observed.modules_load_file},
                              std::pair{provision::k_nested_file, &observed.nested_file}}) {
        auto text = read_optional(root, path);
        if (!text) return text.error();
        *slot = std::move(text).value();
    }

    const std::string module(provision::vendor_module(observed.vendor));
    if (!module.empty()) {
        auto nested = read_optional(root, "/sys/module/" + module + "/parameters/nested");
        if (!nested) return nested.error();
        if (nested.value()) observed.nested_now = common::parse_bool_word(**nested);
        auto refcnt = read_optional(root, "/sys/module/" + module + "/refcnt");
        if (!refcnt) return refcnt.error();
        if (refcnt.value()) observed.vendor_users = common::parse_int(**refcnt);
    }
    return observed;
}

common::Result<StepPlan> KvmStep::plan() {
    auto observed = observe();
    if (!observed) return observed.error();
    const auto planned = provision::plan_kvm(m_section.nested, observed.value());
    return StepPlan{planned.changes(), planned.notes};
}

StepOutcome KvmStep::apply() {
    StepOutcome outcome;
    auto observed = observe();
    if (!observed) {
        outcome.failures.push_back(observed.error().message);
        return outcome;
    }
    const auto planned = provision::plan_kvm(m_section.nested, observed.value());
    if (planned.unsupported) {
        outcome.failures = planned.notes;
        return outcome;
    }
    host::files::AtomicFiles files(m_settings.root);
    const auto record = [&outcome](std::string line) {
        spdlog::info("kvm: {}", line);
        outcome.changed.push_back(std::move(line));
    };

    // modprobe.d first, so a module loaded below starts with the option.
    if (planned.nested_content) {
        auto written = files.write(provision::k_nested_file, *planned.nested_content, 0644);
        if (!written) {
            outcome.failures.push_back("writing the nested option: " + written.error().message);
            return outcome;
        }
        record(file_line(written.value()));
    }
    if (!planned.load.empty()) {
        auto loader = m_loader_factory();
        if (!loader) {
            outcome.failures.push_back(loader.error().message);
            return outcome;
        }
        for (const auto& module : planned.load) {
            auto loaded = loader.value()->load(module);
            if (!loaded) {
                outcome.failures.push_back(loaded.error().message);
                return outcome;
            }
            record("loaded " + module);
        }
    }
    if (planned.modules_load_content) {
        auto written = files.write(provision::k_modules_load_file, *planned.modules_load_content, 0644);
        if (!written) {
            outcome.failures.push_back("persisting the KVM modules: " + written.error().message);
            return outcome;
        }
        record(file_line(written.value()));
    }

    // Verify: the modules run and the files say what they must; what is left is a note (reload or reboot).
    auto after = observe();
    if (!after) {
        outcome.failures.push_back("verifying: " + after.error().message);
        return outcome;
    }
    const auto left = provision::plan_kvm(m_section.nested, after.value());
    for (const auto& change : left.changes()) outcome.failures.push_back("verifying: still to do: " + change);
    outcome.notes = left.notes;
    return outcome;
}

std::unique_ptr<ProvisionStep> make_kvm_step(const profile::HostProfile& profile, const StepSettings& settings) {
    KvmStep::LoaderFactory loader;
    if (common::HostRoot(settings.root).is_live())
        loader = []() -> common::Result<std::unique_ptr<host::kmod::ModuleLoader>> {
            auto opened = host::kmod::KmodLoader::open();
            if (!opened) return opened.error();
            return std::unique_ptr<host::kmod::ModuleLoader>(std::move(opened).value());
        };
    return std::make_unique<KvmStep>(profile.kvm.value_or(profile::KvmSection{}), settings, std::move(loader));
}

}  // namespace agent
