#include "host/libvirt/libvirt_library.h"

namespace host::libvirt {

namespace {

constexpr dynamic::LibraryName k_name{"libvirt's client library", "install libvirt-libs; Debian: libvirt0"};

common::Result<Library> open_system_library() {
    auto library = open_library(k_libvirt_soname);
    if (!library) return library.error();
    // The adapters report libvirt's errors; libvirt would also print each to stderr.
    library->virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
    return library;
}

dynamic::OnDemand<Library> g_libvirt(open_system_library);

}  // namespace

common::Result<Library> open_library(const std::string& soname) {
    auto opened = dynamic::open(soname, k_name);
    if (!opened) return opened.error();
    void* handle = opened.value();
    Library table;
    std::string missing;
    KVM_LIBVIRT_FUNCTIONS(KVM_DYNAMIC_RESOLVE)
    if (auto complete = dynamic::complete(handle, soname, k_name, missing); !complete) return complete.error();
    return table;
}

common::Result<const Library*> load_libvirt() { return g_libvirt.load(); }

const Library& vir() {
    const auto* loaded = g_libvirt.loaded();
    if (!loaded) dynamic::called_before_load("libvirt");
    return *loaded;
}

}  // namespace host::libvirt
