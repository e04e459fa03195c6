#include "host/kmod/kmod_library.h"

namespace host::kmod {
namespace {

constexpr dynamic::LibraryName k_name{"libkmod", "install kmod-libs; Debian: libkmod2"};

common::Result<KmodLibrary> open_installed() { return open_kmod_library(k_kmod_soname); }

dynamic::OnDemand<KmodLibrary> g_kmod("libkmod", open_installed);

}  // namespace

common::Result<KmodLibrary> open_kmod_library(const std::string& soname) {
    return dynamic::open_table<KmodLibrary>(soname, k_name, [](KmodLibrary& table, void* handle, std::string& missing) {
        KVM_KMOD_FUNCTIONS(KVM_DYNAMIC_RESOLVE)
    });
}

common::Result<const KmodLibrary*> load_kmod() { return g_kmod.load(); }

const KmodLibrary& libkmod() { return g_kmod.get(); }

}  // namespace host::kmod
