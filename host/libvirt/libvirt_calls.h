#pragma once
// What every libvirt adapter here needs around the C API: errors kept off stderr, the calling thread's last
// error as text, and libvirt's malloc'd strings freed.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace host::libvirt {

// libvirt prints every error to stderr by default; the adapters report them themselves.
inline void silence_libvirt_errors() {
    static const bool once = [] {
        virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
        return true;
    }();
    (void)once;
}

// libvirt's last error is per thread: read it on the thread that made the call.
inline std::string last_error() {
    const char* message = virGetLastErrorMessage();
    return message ? message : "unknown libvirt error";
}

struct CharFreer {
    void operator()(char* text) const { std::free(text); }
};
using CString = std::unique_ptr<char, CharFreer>;

}  // namespace host::libvirt
