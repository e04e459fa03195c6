#pragma once
// What every libvirt adapter here needs around the C API (loaded by host/libvirt/libvirt_library.h): the
// calling thread's last error as text, and libvirt's malloc'd strings freed.
#include <cstdlib>
#include <memory>
#include <string>

#include "host/libvirt/libvirt_library.h"

namespace host::libvirt {

// libvirt's last error is per thread: read it on the thread that made the call.
inline std::string last_error() {
    const char* message = vir().virGetLastErrorMessage();
    return message ? message : "unknown libvirt error";
}

struct CharFreer {
    void operator()(char* text) const { std::free(text); }
};
using CString = std::unique_ptr<char, CharFreer>;

}  // namespace host::libvirt
