#include "host/libvirt/libvirt_library.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace host::libvirt {

namespace {

std::mutex g_loading;
Library g_library;                             // written once, under g_loading, before g_loaded points to it
std::atomic<const Library*> g_loaded{nullptr};

}  // namespace

common::Result<Library> open_library(const std::string& soname) {
    const std::string install = " (install libvirt-libs; Debian: libvirt0)";
    // RTLD_LOCAL: its symbols stay out of the process's namespace; RTLD_NOW: a missing symbol fails here.
    void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        return common::make_error("libvirt's client library cannot be loaded: " +
                                  std::string(why ? why : soname + ": unknown error") + install);
    }
    Library library;
    std::string missing;
#define KVM_LIBVIRT_RESOLVE(name)                                                                  \
    library.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                      \
    if (!library.name) missing += (missing.empty() ? "" : ", ") + std::string(#name);
    KVM_LIBVIRT_FUNCTIONS(KVM_LIBVIRT_RESOLVE)
#undef KVM_LIBVIRT_RESOLVE
    if (!missing.empty()) {
        dlclose(handle);
        return common::make_error("libvirt's client library " + soname + " lacks " + missing +
                                  " (libvirt older than 5.0?)" + install);
    }
    return library;  // the handle stays open for the life of the process
}

common::Result<const Library*> load_libvirt() {
    if (const auto* loaded = g_loaded.load(std::memory_order_acquire)) return loaded;
    const std::lock_guard lock(g_loading);
    if (const auto* loaded = g_loaded.load(std::memory_order_acquire)) return loaded;
    auto opened = open_library(k_libvirt_soname);
    if (!opened) return opened.error();
    g_library = *opened;
    g_library.virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
    g_loaded.store(&g_library, std::memory_order_release);
    return &g_library;
}

const Library& vir() {
    const auto* loaded = g_loaded.load(std::memory_order_acquire);
    if (!loaded) {
        std::fputs("kvm-host-agent: internal error: a libvirt call before load_libvirt()\n", stderr);
        std::abort();
    }
    return *loaded;
}

}  // namespace host::libvirt
