#pragma once
// The checks' expectations from a decoded host profile: its bridges and bonds (those it brings up), its
// firewall zones, where it puts guest images and whether it removes libvirt's default network.
#include "checks/expectations.h"
#include "profile/profile.h"

namespace agent {

// Interfaces the profile sets down or absent are not expected: net.bridge and net.bond judge the ones it
// brings up. `profile.source` becomes the path the fixes name.
checks::Expectations expectations_from(const profile::HostProfile& profile);

}  // namespace agent
