# The smoke guest: what `kvm-doctor --smoke` boots through libvirt to prove the host runs a KVM guest.
# A Multiboot kernel (QEMU loads it with <os><kernel>, no disk image, no firmware setup of ours) that:
#   1. writes "kvm-host-agent smoke: hypervisor " and the hypervisor's CPUID signature (leaf 0x40000000:
#      "KVMKVMKVM" under KVM, "TCGTCGTCGTCG" when QEMU emulates) and a newline to COM1;
#   2. triple-faults on purpose (an empty IDT, then int3): the machine resets, and libvirt's
#      <on_reboot>destroy</on_reboot> ends the domain. ACPI power-off depends on where the firmware put
#      the PM registers; a triple fault ends every x86 machine type the same way.
# It needs no stack and writes no memory, so its one segment is read-only.
    .section .text
    .code32
    .align 4
multiboot_header:
    .long 0x1BADB002            # magic
    .long 0                     # flags: nothing asked of the loader
    .long -0x1BADB002           # checksum: magic + flags + checksum == 0

    .global _start
_start:
    cli
    mov $0x3f8, %dx             # COM1's transmit register: QEMU's UART needs no setup to send
    mov $prefix, %esi
    call put_string
    mov $0x40000000, %eax       # hypervisor signature leaf: ebx, ecx, edx hold 12 characters
    cpuid
    mov %ecx, %ebp
    mov %edx, %edi
    mov $0x3f8, %dx
    mov %ebx, %eax
    call put_four
    mov %ebp, %eax
    call put_four
    mov %edi, %eax
    call put_four
    mov $0x0a, %al
    out %al, %dx
    lidt empty_idt              # no handler for anything: the next exception is a triple fault
    int3
halt:
    hlt
    jmp halt

# Sends the four bytes of eax, lowest first, skipping NULs (KVM's signature pads with them).
put_four:
    mov $4, %ecx
1:  test %al, %al
    jz 2f
    out %al, %dx
2:  shr $8, %eax
    loop 1b
    ret

# Sends the NUL-terminated string at esi.
put_string:
    lodsb
    test %al, %al
    jz 3f
    out %al, %dx
    jmp put_string
3:  ret

empty_idt:
    .word 0
    .long 0
prefix:
    .asciz "kvm-host-agent smoke: hypervisor "
