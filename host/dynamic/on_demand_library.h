#pragma once
// A shared library opened with dlopen when the process first needs it, instead of being linked: a linked library
// (and the ones it links) costs every run its loading and relocation before main(), also the runs that never
// call it. libvirt (~60 libraries), libkmod (with libcrypto's ~21,000 relocations) and libsemanage (with
// libsepol and libaudit) are each needed by one or two steps only.
//
// A library's functions are listed once in an X-macro and kept in a table of pointers typed from its headers:
//
//   #define KVM_KMOD_FUNCTIONS(X) X(kmod_new) X(kmod_unref) ...
//   struct KmodLibrary { KVM_KMOD_FUNCTIONS(KVM_DYNAMIC_POINTER) };
//   open_table<KmodLibrary>(soname, name, [](KmodLibrary& table, void* handle, std::string& missing) {
//       KVM_KMOD_FUNCTIONS(KVM_DYNAMIC_RESOLVE) });
#include <atomic>
#include <mutex>
#include <string>

#include "common/result.h"

#define KVM_DYNAMIC_POINTER(name) decltype(&::name) name = nullptr;
#define KVM_DYNAMIC_RESOLVE(name) \
    table.name = reinterpret_cast<decltype(&::name)>(::host::dynamic::resolve(handle, #name, missing));

namespace host::dynamic {

// What a library is to the messages about it: "libvirt's client library", and where it comes from:
// "install libvirt-libs; Debian: libvirt0".
struct LibraryName {
    const char* what;
    const char* install;
    const char* when_lacking = nullptr;  // a likely reason a function is missing: "libvirt older than 5.0?"
};

// dlopen(soname) with RTLD_NOW (a missing symbol fails here) and RTLD_LOCAL (its symbols stay out of the
// process's namespace). The error names the file, why, and the package that has it.
common::Result<void*> open(const std::string& soname, const LibraryName& name);

// dlsym; a name the library lacks is added to `missing` (comma-separated).
void* resolve(void* handle, const char* symbol, std::string& missing);

// After the KVM_DYNAMIC_RESOLVE lines: an error naming what `soname` lacks, and the handle closed; else nothing.
common::Result<std::monostate> complete(void* handle, const std::string& soname, const LibraryName& name,
                                        const std::string& missing);

// A call through a table before its load() succeeded: a programming error. Says so and aborts.
[[noreturn]] void called_before_load(const char* library);

// Opens `soname` and fills a Table through `resolve_all` (the KVM_DYNAMIC_RESOLVE lines of its X-macro).
template <typename Table, typename ResolveAll>
common::Result<Table> open_table(const std::string& soname, const LibraryName& name, ResolveAll resolve_all) {
    auto opened = open(soname, name);
    if (!opened) return opened.error();
    Table table;
    std::string missing;
    resolve_all(table, opened.value(), missing);
    if (auto completed = complete(opened.value(), soname, name, missing); !completed) return completed.error();
    return table;
}

// The process's copy of one library's table: opened by the first load() that succeeds (a failure is tried again
// next time: kvm-agent's packages section may install the library since). Thread-safe.
template <typename Table>
class OnDemand {
public:
    using Opener = common::Result<Table> (*)();
    // `library` names it in the message of a call before load().
    OnDemand(const char* library, Opener opener) : m_library(library), m_open(opener) {}

    common::Result<const Table*> load() {
        if (const auto* loaded = m_loaded.load(std::memory_order_acquire)) return loaded;
        const std::lock_guard lock(m_loading);
        if (const auto* loaded = m_loaded.load(std::memory_order_acquire)) return loaded;
        auto opened = m_open();
        if (!opened) return opened.error();
        m_table = *opened;
        m_loaded.store(&m_table, std::memory_order_release);
        return &m_table;
    }

    // The loaded table. Called before a load succeeded, it aborts: a programming error.
    const Table& get() const {
        const auto* loaded = m_loaded.load(std::memory_order_acquire);
        if (!loaded) called_before_load(m_library);
        return *loaded;
    }

private:
    const char* m_library;
    Opener m_open;
    std::mutex m_loading;
    Table m_table;  // written once, under m_loading, before m_loaded points to it
    std::atomic<const Table*> m_loaded{nullptr};
};

}  // namespace host::dynamic
