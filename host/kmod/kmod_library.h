#pragma once
// libkmod, opened when a module is first to be loaded (host/dynamic/on_demand_library.h): linked, it brought
// libcrypto, libzstd and liblzma into every run of kvm-agent, and only the kvm section loads modules.
#include <libkmod.h>

#include <string>

#include "common/result.h"
#include "host/dynamic/on_demand_library.h"

namespace host::kmod {

// Every libkmod function KmodLoader calls. One more: add it here, then call it as libkmod().name(...).
#define KVM_KMOD_FUNCTIONS(X)                                                                                       \
    X(kmod_new) X(kmod_unref) X(kmod_load_resources) X(kmod_set_log_fn) X(kmod_module_new_from_lookup)              \
    X(kmod_list_next) X(kmod_module_get_module) X(kmod_module_get_initstate) X(kmod_module_probe_insert_module)     \
    X(kmod_module_unref) X(kmod_module_unref_list)

struct KmodLibrary {
    KVM_KMOD_FUNCTIONS(KVM_DYNAMIC_POINTER)
};

inline constexpr const char* k_kmod_soname = "libkmod.so.2";

// Opens `soname` and resolves every function above; the error names the file and the package.
common::Result<KmodLibrary> open_kmod_library(const std::string& soname);

// The process's libkmod, opened on the first call that succeeds. Thread-safe.
common::Result<const KmodLibrary*> load_kmod();

// The library load_kmod() opened; called before, it aborts (a programming error).
const KmodLibrary& libkmod();

}  // namespace host::kmod
