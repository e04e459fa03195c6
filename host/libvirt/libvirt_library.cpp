#include "host/libvirt/libvirt_library.h"

namespace host::libvirt {
namespace {

constexpr dynamic::LibraryName k_name{"libvirt's client library", "install libvirt-libs; Debian: libvirt0",
                                      "libvirt older than 5.0?"};

common::Result<Library> open_system_library() {
    auto library = open_library(k_libvirt_soname);
    if (!library) return library.error();
    // The adapters report libvirt's errors; libvirt would also print each to stderr.
    library->virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
    return library;
}

dynamic::OnDemand<Library> g_libvirt("libvirt", open_system_library);

}  // namespace

common::Result<Library> open_library(const std::string& soname) {
    return dynamic::open_table<Library>(soname, k_name, [](Library& table, void* handle, std::string& missing) {
        KVM_LIBVIRT_FUNCTIONS(KVM_DYNAMIC_RESOLVE)
    });
}

common::Result<const Library*> load_libvirt() { return g_libvirt.load(); }

const Library& vir() { return g_libvirt.get(); }

}  // namespace host::libvirt
