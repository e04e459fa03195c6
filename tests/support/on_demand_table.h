#pragma once
// An on-demand library's function table (host/dynamic/on_demand_library.h) must have every entry of its
// X-macro list resolved: a function the installed library lacks would fail only when a step first calls it.
#include <gtest/gtest.h>

// FUNCTIONS is the table's X-macro list (KVM_LIBVIRT_FUNCTIONS, ...); table is the opened table.
#define KVM_EXPECT_EVERY_FUNCTION_RESOLVED(FUNCTIONS, table) \
    do {                                                     \
        const auto& resolved_table = (table);                \
        FUNCTIONS(KVM_EXPECT_ONE_FUNCTION_RESOLVED_)         \
    } while (false)
#define KVM_EXPECT_ONE_FUNCTION_RESOLVED_(name) EXPECT_NE(resolved_table.name, nullptr) << #name;
