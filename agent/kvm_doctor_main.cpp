// kvm-doctor: read-only diagnostics of a KVM host. All the work is in agent::run_doctor_cli.
#include <cstdio>
#include <exception>
#include <iostream>

#include "agent/doctor.h"
#include "agent/doctor_cli.h"
#include "common/bounded_call.h"

int main(int argc, char** argv) {
    int code = agent::k_exit_could_not_run;
    try {
        code = agent::run_doctor_cli("kvm-doctor", argc, argv, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "kvm-doctor: internal error: " << e.what() << "\n";
    }
    // A libvirt call abandoned at its deadline still runs on a worker thread: leave without unwinding it.
    if (common::abandoned_calls() > 0) {
        std::cout.flush();
        std::fflush(nullptr);
        std::_Exit(code);
    }
    return code;
}
