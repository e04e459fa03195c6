#pragma once
// Loading kernel modules as modprobe does (what they depend on first, their options from modprobe.d), through
// libkmod and without a shell: an `install` command in modprobe.d is refused, not run. Nothing is ever
// unloaded here.
#include <memory>
#include <string>
#include <variant>

#include "common/result.h"

struct kmod_ctx;

namespace host::kmod {

class ModuleLoader {
public:
    virtual ~ModuleLoader() = default;
    // Loads `name` and its dependencies; one already loaded or built in succeeds without a change. An error
    // names the module and why ("loading kvm_intel: No such device; kmod: ...").
    virtual common::Result<std::monostate> load(const std::string& name) = 0;
};

class KmodLoader final : public ModuleLoader {
public:
    // A libkmod context over the running kernel's modules (/lib/modules/`uname -r`) and its modprobe.d.
    static common::Result<std::unique_ptr<KmodLoader>> open();
    common::Result<std::monostate> load(const std::string& name) override;

private:
    struct ContextDeleter {
        void operator()(kmod_ctx* context) const;
    };
    explicit KmodLoader(std::unique_ptr<kmod_ctx, ContextDeleter> context);

    std::unique_ptr<kmod_ctx, ContextDeleter> m_context;
    std::string m_log;  // libkmod's messages during the current load
};

}  // namespace host::kmod
