#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kvm-host-agent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: kvm_host
short_description: Converge a KVM host to its kvm-agent profile
description:
  - Runs C(kvm-agent apply) with a host profile (kvm-host.yaml(5)), which covers packages, KVM modules, libvirt, sysctl,
    bridges, bonds and VLANs, firewalld zones and storage. A network change that loses connectivity is rolled
    back by kvm-agent itself.
  - In check mode runs C(kvm-agent plan) instead, which changes nothing; with C(--diff) the planned changes are
    shown per section.
  - The task is C(changed) when kvm-agent says the host changed (a network change rolled back in full does not
    count). It fails when a step failed (exit 1), on bad input (exit 3, with kvm-agent's C(FILE:LINE:COLUMN)
    message) and when a rollback failed too (exit 4).
  - After an apply, the readiness verdict and the checks that did not pass are returned. A C(NOT_READY) host
    does not fail the task; the C(kvmhost.agent.kvm_host) role fails the play on it.
version_added: 0.1.0
author:
  - kvm-host-agent contributors (@kvm-host-agent)
options:
  profile:
    description:
      - The host profile, either the path of a profile file on the managed host or the profile itself as a
        dictionary (written to a private temporary file for the run).
    type: raw
    default: /etc/kvm-agent/host.yaml
  only:
    description:
      - Converge only these sections of the profile (C(--only)).
    type: list
    elements: str
    choices: [kvm, packages, libvirt, sysctl, network, firewall, storage]
  confirm_within:
    description:
      - Keep the network change only if C(kvm-agent commit) runs within this duration (C(60s), C(2m)); without it
        the change is taken back. Run the commit in a later task, after the controller reached the host again.
    type: str
  memory_only:
    description:
      - Change the running network only and write no configuration files (C(--memory-only)).
    type: bool
    default: false
  config_root:
    description:
      - Write network configuration files under this directory (an image or offline root) instead of asking
        NetworkManager (C(--config-root)).
    type: path
  state_dir:
    description:
      - Where kvm-agent writes its readiness report and first-boot stamp (C(--state-dir)).
    type: path
  executable:
    description:
      - The kvm-agent program, a path or a name looked up on C(PATH).
    type: str
    default: kvm-agent
seealso:
  - module: kvmhost.agent.kvm_host_info
notes:
  - Runs kvm-agent as the task's user; it needs root to change the host (use C(become)).
  - kvm-agent holds a lock, so a second run on the same host waits for nobody and fails.
attributes:
  check_mode:
    support: full
    description: Runs C(kvm-agent plan), which reads the host and changes nothing.
  diff_mode:
    support: full
    description: The planned (check mode) or made changes, one block per section.
'''

EXAMPLES = r'''
- name: Converge the host to the profile shipped in /etc/kvm-agent/host.yaml
  kvmhost.agent.kvm_host:
  become: true

- name: Only the network, with a profile given inline, kept only when the host answers again
  kvmhost.agent.kvm_host:
    only: [network]
    confirm_within: 2m
    profile:
      network:
        interfaces:
          - name: br0
            type: linux-bridge
            state: up
            ipv4: {enabled: true, dhcp: true}
            bridge: {port: [{name: eno1}]}
          - name: eno1
            ipv4: {enabled: false}
  become: true

- name: Reach the host again over the new bridge
  ansible.builtin.wait_for_connection:
    timeout: 60

- name: Keep the change
  ansible.builtin.command: kvm-agent commit
  become: true
  changed_when: true
'''

RETURN = r'''
verdict:
  description: The readiness verdict after the apply (READY, DEGRADED or NOT_READY); absent in check mode.
  returned: when kvm-agent ran its readiness checks
  type: str
  sample: READY
checks_not_passed:
  description: The readiness checks that did not PASS, each with its id, status, title, evidence and fix.
  returned: when kvm-agent ran its readiness checks
  type: list
  elements: dict
  sample: [{id: libvirt.default-network, status: WARN, title: libvirt default network, evidence: '...', fix: '...'}]
changes:
  description: What changed (or, in check mode, would change), per section.
  returned: always
  type: dict
  sample: {network: ['create bridge br0', 'add 192.0.2.10/24 to br0']}
report:
  description: kvm-agent's JSON report, C(apply) or C(plan) (its schema is in the project's docs/schema/).
  returned: when kvm-agent printed one
  type: dict
exit_status:
  description:
    - kvm-agent's exit status (plan 0 in sync, 2 changes pending; apply 0 READY, 2 NOT_READY).
    - Not C(rc), which Ansible takes as failed whenever it is not 0.
  returned: when kvm-agent ran
  type: int
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kvmhost.agent.plugins.module_utils.kvm_agent import (
    SECTIONS, ProfileFile, error_text, find_executable, not_passed, parse_report, run)


def common_arguments(params, profile_path):
    argv = ['--profile', profile_path, '--output', 'json']
    if params['only']:
        argv += ['--only', ','.join(params['only'])]
    if params['memory_only']:
        argv.append('--memory-only')
    if params['config_root']:
        argv += ['--config-root', params['config_root']]
    return argv


def diff_of(changes):
    """One diff block per section: what kvm-agent planned or did there."""
    return [{'before_header': 'host (%s)' % section, 'after_header': 'profile (%s)' % section,
             'prepared': ''.join('+ %s\n' % line for line in lines)}
            for section, lines in changes.items() if lines]


def plan_changes(report):
    return dict((name, section.get('changes', [])) for name, section in report.get('sections', {}).items()
                if not section.get('in_sync', True))


def apply_changes(report):
    return dict((name, section['changed']) for name, section in report.get('sections', {}).items()
                if section.get('changed'))


def apply_failure(report, rc, err):
    """The message of a failed apply: the sections' and the network's failures, then what kvm-agent said."""
    parts = []
    if report.get('interrupted'):
        parts.append('interrupted by %s' % report['interrupted'])
    for name, section in report.get('sections', {}).items():
        parts += ['%s: %s' % (name, failure) for failure in section.get('failures', [])]
    network = report.get('network') or {}
    if network.get('outcome') == 'rolled-back':
        parts.append('network: rolled back')
    parts += ['rollback: not restored: %s' % failure for failure in network.get('rollback_failures', [])]
    said = error_text(err)
    if said:
        parts.append(said)
    return 'kvm-agent apply failed (exit %d): %s' % (rc, '; '.join(parts) or 'no reason given')


def readiness(module, executable, state_dir):
    """The verdict and the checks after an apply, from the report it stored (kvm-agent status)."""
    argv = [executable, 'status', '--output', 'json']
    if state_dir:
        argv += ['--state-dir', state_dir]
    rc, out, err = run(module, argv)
    if rc == 3:
        return None, [], 'kvm-agent status could not run: %s' % error_text(err)
    report = parse_report(module, argv, rc, out, err)
    return report.get('verdict'), not_passed(report.get('checks')), None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type='raw', default='/etc/kvm-agent/host.yaml'),
            only=dict(type='list', elements='str', choices=SECTIONS),
            confirm_within=dict(type='str'),
            memory_only=dict(type='bool', default=False),
            config_root=dict(type='path'),
            state_dir=dict(type='path'),
            executable=dict(type='str', default='kvm-agent'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    executable = find_executable(module, params['executable'])

    with ProfileFile(module, params['profile']) as profile:
        def named(text):
            # An inline profile's messages name the temporary file, which is gone when the admin reads them.
            return text.replace(profile.temporary, '<inline profile>') if profile.temporary else text

        if module.check_mode:
            argv = [executable, 'plan'] + common_arguments(params, profile.path)
            rc, out, err = run(module, argv)
            if rc not in (0, 2):
                what = 'the host could not be observed' if rc == 1 else 'bad input'
                module.fail_json(msg=named('%s (exit %d: %s)' % (error_text(err), rc, what)),
                                 rc=rc, stdout=out, stderr=err, cmd=argv)
            report = parse_report(module, argv, rc, out, err)
            changes = plan_changes(report)
            result = dict(changed=not report['in_sync'], changes=changes, report=report, exit_status=rc)
            if module._diff:
                result['diff'] = diff_of(changes)
            module.exit_json(**result)

        argv = [executable, 'apply'] + common_arguments(params, profile.path)
        if params['confirm_within']:
            argv += ['--confirm-within', params['confirm_within']]
        if params['state_dir']:
            argv += ['--state-dir', params['state_dir']]
        rc, out, err = run(module, argv)
        if rc == 3:
            module.fail_json(msg=named('%s (exit 3: bad input, nothing was changed)' % error_text(err)),
                             rc=rc, stdout=out, stderr=err, cmd=argv)
        report = parse_report(module, argv, rc, out, err)

    changes = apply_changes(report)
    result = dict(changed=bool(report.get('changed')), changes=changes, report=report, exit_status=rc)
    if module._diff:
        result['diff'] = diff_of(changes)
    if rc in (1, 4):
        module.fail_json(msg=apply_failure(report, rc, err), stderr=err, **result)

    verdict, checks, problem = readiness(module, executable, params['state_dir'])
    if problem:
        result['warnings'] = [problem]
    result.update(verdict=verdict or report.get('verdict'), checks_not_passed=checks)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
