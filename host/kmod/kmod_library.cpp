#include "host/kmod/kmod_library.h"

namespace host::kmod {
namespace {

constexpr dynamic::LibraryName k_name{"libkmod", "install kmod-libs; Debian: libkmod2"};

common::Result<KmodLibrary> open_installed() { return open_kmod_library(k_kmod_soname); }

dynamic::OnDemand<KmodLibrary> g_kmod(open_installed);

}  // namespace

common::Result<KmodLibrary> open_kmod_library(const std::string& soname) {
    auto opened = dynamic::open(soname, k_name);
    if (!opened) return opened.error();
    void* handle = opened.value();
    KmodLibrary table;
    std::string missing;
    KVM_KMOD_FUNCTIONS(KVM_DYNAMIC_RESOLVE)
    if (auto complete = dynamic::complete(handle, soname, k_name, missing); !complete) return complete.error();
    return table;
}

common::Result<const KmodLibrary*> load_kmod() { return g_kmod.load(); }

const KmodLibrary& libkmod() {
    const auto* loaded = g_kmod.loaded();
    if (!loaded) dynamic::called_before_load("libkmod");
    return *loaded;
}

}  // namespace host::kmod
