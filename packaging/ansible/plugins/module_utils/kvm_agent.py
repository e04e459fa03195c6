# -*- coding: utf-8 -*-
# Copyright: kvm-host-agent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's modules share: running kvm-agent and kvm-doctor without a shell and reading their
JSON reports (docs/schema/ in the project), and turning a failed run into one message an admin can act on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

# The report versions these modules understand (the programs' "version" field).
SUPPORTED_REPORT_VERSION = 1

SECTIONS = ['kvm', 'packages', 'libvirt', 'sysctl', 'network', 'firewall', 'storage']


def find_executable(module, executable):
    """The program to run: an absolute path as given, else looked up on PATH (and /usr/sbin, /sbin)."""
    if os.path.isabs(executable):
        if not os.access(executable, os.X_OK):
            module.fail_json(msg='%s is not an executable file' % executable)
        return executable
    return module.get_bin_path(executable, required=True, opt_dirs=['/usr/sbin', '/sbin', '/usr/local/bin'])


def run(module, argv):
    """Runs argv (a list: never through a shell) and returns (rc, stdout, stderr)."""
    return module.run_command(argv, check_rc=False, environ_update={'LC_ALL': 'C.UTF-8'})


def parse_report(module, argv, rc, out, err):
    """The JSON document a program printed; fails the task, naming the command, when there is none."""
    try:
        report = json.loads(out)
    except ValueError:
        module.fail_json(msg='%s printed no JSON report (exit %d): %s' % (argv[0], rc, first_line(err) or out.strip()),
                         rc=rc, stdout=out, stderr=err, cmd=argv)
    if not isinstance(report, dict) or report.get('version') != SUPPORTED_REPORT_VERSION:
        module.fail_json(msg='%s printed a report of version %r; this collection reads version %d'
                         % (argv[0], report.get('version') if isinstance(report, dict) else None,
                            SUPPORTED_REPORT_VERSION), rc=rc, stdout=out, stderr=err, cmd=argv)
    return report


def first_line(text):
    for line in (text or '').splitlines():
        if line.strip():
            return line.strip()
    return ''


def error_text(err):
    """What a program wrote to stderr, without the log lines' noise: its own lines, joined."""
    return '; '.join(line.strip() for line in (err or '').splitlines() if line.strip())


def not_passed(checks):
    """The checks that did not PASS, as the admin needs them: id, status, evidence and fix."""
    return [dict((key, check.get(key, '')) for key in ('id', 'status', 'title', 'evidence', 'fix'))
            for check in checks or [] if check.get('status') != 'PASS']


class ProfileFile(object):
    """The profile as kvm-agent reads it: the path given, or an inline profile (a dict) written to a private
    temporary file (kvm-agent refuses a profile others can write) that is removed afterwards."""

    def __init__(self, module, profile):
        self.module = module
        self.temporary = None
        if isinstance(profile, dict):
            import yaml  # Ansible itself needs PyYAML, so it is there wherever a module runs
            descriptor, self.temporary = tempfile.mkstemp(prefix='kvm-host-profile-', suffix='.yaml')
            with os.fdopen(descriptor, 'w') as handle:
                handle.write('# inline profile of the kvm_host task\n')
                yaml.safe_dump(profile, handle, default_flow_style=False, sort_keys=False)
            self.path = self.temporary
        elif isinstance(profile, str) and profile:
            self.path = profile
        else:
            module.fail_json(msg='profile must be the path of a profile or the profile itself (a dict)')

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.temporary:
            os.unlink(self.temporary)
        return False
