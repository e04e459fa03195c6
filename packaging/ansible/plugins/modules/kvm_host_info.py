#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kvm-host-agent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: kvm_host_info
short_description: Read a KVM host's readiness with kvm-doctor
description:
  - Runs C(kvm-doctor --output json), which only reads the host, and returns its verdict and every check with
    its status, evidence and fix.
  - A C(DEGRADED) or C(NOT_READY) host does not fail the task; test C(verdict) in a later task. The task fails
    only when kvm-doctor could not run (exit 3).
version_added: 0.1.0
author:
  - kvm-host-agent contributors (@kvm-host-agent)
options:
  profile:
    description:
      - Judge the host against this profile too (C(--profile)). The bridge, bond and firewall zone checks need one,
        and the images directory and pool come from it.
    type: path
  checks:
    description:
      - Run only these check ids (C(--check)); C(kvm-doctor --list) names them all.
    type: list
    elements: str
  images_dir:
    description:
      - The directory that holds guest images (C(--images-dir)); default the profile's, else kvm-doctor's.
    type: path
  images_pool:
    description:
      - The libvirt storage pool over it (C(--images-pool)); default the profile's, else kvm-doctor's.
    type: str
  connect:
    description:
      - The libvirt URI of the C(libvirt.*) checks (C(--connect)).
    type: str
  timeout:
    description:
      - Seconds each live call may take before its check warns that it is slow (C(--timeout)).
    type: int
  executable:
    description:
      - The kvm-doctor program, a path or a name looked up on C(PATH).
    type: str
    default: kvm-doctor
seealso:
  - module: kvmhost.agent.kvm_host
notes:
  - As a user other than root, checks whose inputs only root may read are skipped, saying so.
attributes:
  check_mode:
    support: full
    description: It only reads, so it runs in check mode too.
  diff_mode:
    support: none
    description: It changes nothing, so it has nothing to show.
'''

EXAMPLES = r'''
- name: Read the host's readiness
  kvmhost.agent.kvm_host_info:
    profile: /etc/kvm-agent/host.yaml
  become: true
  register: kvm

- name: Show what is not right
  ansible.builtin.debug:
    msg: "{{ kvm.checks | rejectattr('status', 'equalto', 'PASS') | list }}"
  when: kvm.verdict != 'READY'
'''

RETURN = r'''
verdict:
  description: READY, DEGRADED or NOT_READY.
  returned: always
  type: str
  sample: READY
checks:
  description: Every check that ran, as kvm-doctor's JSON has it (id, title, status, evidence, fix, duration_ms).
  returned: always
  type: list
  elements: dict
checks_not_passed:
  description: The checks whose status is not PASS.
  returned: always
  type: list
  elements: dict
exit_status:
  description:
    - kvm-doctor's exit status (0 READY, 1 DEGRADED, 2 NOT_READY).
    - Not C(rc), which Ansible takes as failed whenever it is not 0.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.kvmhost.agent.plugins.module_utils.kvm_agent import (
    error_text, find_executable, not_passed, parse_report, run)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type='path'),
            checks=dict(type='list', elements='str'),
            images_dir=dict(type='path'),
            images_pool=dict(type='str'),
            connect=dict(type='str'),
            timeout=dict(type='int'),
            executable=dict(type='str', default='kvm-doctor'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    argv = [find_executable(module, params['executable']), '--output', 'json']
    for option, name in (('profile', '--profile'), ('images_dir', '--images-dir'),
                         ('images_pool', '--images-pool'), ('connect', '--connect')):
        if params[option]:
            argv += [name, params[option]]
    if params['timeout'] is not None:
        argv += ['--timeout', str(params['timeout'])]
    for check in params['checks'] or []:
        argv += ['--check', check]

    rc, out, err = run(module, argv)
    if rc not in (0, 1, 2):
        module.fail_json(msg='kvm-doctor could not run (exit %d): %s' % (rc, error_text(err)),
                         rc=rc, stdout=out, stderr=err, cmd=argv)
    report = parse_report(module, argv, rc, out, err)
    module.exit_json(changed=False, verdict=report['verdict'], checks=report['checks'],
                     checks_not_passed=not_passed(report['checks']), exit_status=rc)


if __name__ == '__main__':
    main()
