#pragma once
// Whether standard error is connected to the journal: systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the
// stream it gave a service, and a child that inherits the variable but writes its stderr elsewhere (a file, a
// pipe of a command run from a service) must keep writing there.
namespace common {

bool stderr_is_journal();

}  // namespace common
