#include "host/kmod/kmod_loader.h"

#include "host/kmod/kmod_library.h"

#include <sys/utsname.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace host::kmod {
namespace {

struct ListDeleter {
    void operator()(kmod_list* list) const { libkmod().kmod_module_unref_list(list); }
};
struct ModuleDeleter {
    void operator()(kmod_module* module) const { libkmod().kmod_module_unref(module); }
};

std::string kernel_release() {
    utsname name{};
    return ::uname(&name) == 0 ? name.release : "?";
}

void collect_log(void* data, int /*priority*/, const char* /*file*/, int /*line*/, const char* /*function*/,
                 const char* format, va_list args) {
    char buffer[512];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    auto& log = *static_cast<std::string*>(data);
    std::string message(buffer);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (log.size() < 2048) log += (log.empty() ? "" : "; ") + message;
}

// libkmod would run an `install` command from modprobe.d through the shell: refuse it instead.
int refuse_install_command(kmod_module* /*module*/, const char* command, void* data) {
    *static_cast<std::string*>(data) = command ? command : "";
    return -EPERM;
}

}  // namespace

void KmodLoader::ContextDeleter::operator()(kmod_ctx* context) const { libkmod().kmod_unref(context); }

KmodLoader::KmodLoader(std::unique_ptr<kmod_ctx, ContextDeleter> context) : m_context(std::move(context)) {
    libkmod().kmod_set_log_fn(m_context.get(), collect_log, &m_log);
}

common::Result<std::unique_ptr<KmodLoader>> KmodLoader::open() {
    if (auto loaded = load_kmod(); !loaded)
        return common::make_error("loading kernel modules: " + loaded.error().message);
    std::unique_ptr<kmod_ctx, ContextDeleter> context(libkmod().kmod_new(nullptr, nullptr));
    if (!context) return common::make_error("opening libkmod for kernel " + kernel_release() + ": kmod_new failed");
    if (const int err = libkmod().kmod_load_resources(context.get()); err < 0)
        return common::make_error("opening libkmod's indexes in /lib/modules/" + kernel_release() + ": " +
                                  std::strerror(-err));
    return std::unique_ptr<KmodLoader>(new KmodLoader(std::move(context)));
}

common::Result<std::monostate> KmodLoader::load(const std::string& name) {
    m_log.clear();
    kmod_list* raw = nullptr;
    if (const int err = libkmod().kmod_module_new_from_lookup(m_context.get(), name.c_str(), &raw); err < 0)
        return common::make_error("looking up module " + name + ": " + std::strerror(-err));
    std::unique_ptr<kmod_list, ListDeleter> list(raw);
    if (!list)
        return common::make_error("loading " + name + ": no such module for kernel " + kernel_release() +
                                  " (in /lib/modules/" + kernel_release() + ")");
    for (kmod_list* entry = list.get(); entry; entry = libkmod().kmod_list_next(list.get(), entry)) {
        std::unique_ptr<kmod_module, ModuleDeleter> module(libkmod().kmod_module_get_module(entry));
        const int state = libkmod().kmod_module_get_initstate(module.get());
        if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN) continue;
        std::string install_command;
        const int err = libkmod().kmod_module_probe_insert_module(module.get(), 0, nullptr, refuse_install_command,
                                                        &install_command, nullptr);
        if (err == 0) continue;
        if (!install_command.empty())
            return common::make_error("loading " + name + ": modprobe.d gives it the install command \"" +
                                      install_command + "\", which kvm-agent does not run");
        std::string message = "loading " + name + ": " + std::strerror(err < 0 ? -err : err);
        if (err == -EPERM) message += " (loading modules needs root, and a kernel not locked down against it)";
        if (err == -ENODEV || err == -EIO || err == -EOPNOTSUPP) message += " (the kernel log says why)";
        if (!m_log.empty()) message += "; kmod: " + m_log;
        return common::make_error(message);
    }
    return std::monostate{};
}

}  // namespace host::kmod
