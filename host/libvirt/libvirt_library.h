#pragma once
// libvirt's client library, opened with dlopen when a libvirt check or step first needs it instead of being
// linked: linked, its ~60 shared libraries (GnuTLS, GLib, libxml2, curl, Kerberos...) cost every run of
// kvm-doctor and kvm-agent about 8 ms and 16 MiB before the first check, and most runs (a doctor run without
// libvirt checks, `apply --only network`) never talk to libvirt. Opened late, it also lets kvm-agent install
// libvirt (the packages section) and use it in the same run, and kvm-doctor run on a host without it.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <string>

#include "common/result.h"
#include "host/dynamic/on_demand_library.h"

namespace host::libvirt {

// Every libvirt function the adapters call. One more: add it here, then call it as vir().name(...).
#define KVM_LIBVIRT_FUNCTIONS(X)                                                                                    \
    X(virSetErrorFunc) X(virGetLastError) X(virGetLastErrorMessage)                                                                     \
    X(virConnectOpen) X(virConnectOpenReadOnly) X(virConnectClose) X(virConnectGetLibVersion)                        \
    X(virConnectGetCapabilities) X(virConnectListAllDomains) X(virConnectListAllStoragePools)                        \
    X(virDomainCreateXML) X(virDomainDestroy) X(virDomainFree) X(virDomainGetName) X(virDomainGetXMLDesc)            \
    X(virDomainIsActive) X(virDomainIsPersistent) X(virDomainLookupByName) X(virDomainResume) X(virDomainUndefine)   \
    X(virNetworkDestroy) X(virNetworkFree) X(virNetworkGetAutostart) X(virNetworkGetBridgeName)                      \
    X(virNetworkIsActive) X(virNetworkLookupByName) X(virNetworkSetAutostart) X(virNetworkUndefine)                  \
    X(virStoragePoolBuild) X(virStoragePoolCreate) X(virStoragePoolDefineXML) X(virStoragePoolFree)                  \
    X(virStoragePoolGetAutostart) X(virStoragePoolGetName) X(virStoragePoolGetXMLDesc) X(virStoragePoolIsActive)     \
    X(virStoragePoolListAllVolumes) X(virStoragePoolLookupByName) X(virStoragePoolRefresh)                           \
    X(virStoragePoolSetAutostart)                                                                                    \
    X(virStorageVolCreateXML) X(virStorageVolDelete) X(virStorageVolFree) X(virStorageVolGetName)                    \
    X(virStorageVolGetPath)

// The functions, named and typed as libvirt's headers declare them.
struct Library {
    KVM_LIBVIRT_FUNCTIONS(KVM_DYNAMIC_POINTER)
};

// The client library's name on RHEL (libvirt-libs) and Debian (libvirt0) alike.
inline constexpr const char* k_libvirt_soname = "libvirt.so.0";

// Opens `soname` and resolves every function above. The error names the file, why it failed, and the package
// that has it.
common::Result<Library> open_library(const std::string& soname);

// The process's libvirt: opened on the first call that succeeds (a failure is tried again next time: the
// packages section may have installed it since), with libvirt's printing of errors to stderr turned off (the
// adapters report them). Thread-safe. Every adapter calls it before its first libvirt call.
common::Result<const Library*> load_libvirt();

// The library load_libvirt() opened. Called before a load succeeded, it aborts: a programming error.
const Library& vir();

}  // namespace host::libvirt
