/* Minimal runtime entry point for the Verdict differential corpus.
 *
 * The very first instruction (auipc sp, ...) sets sp to a static stack in
 * .bss, so from the second instruction on QEMU and the VM have identical
 * registers (their initial sp differs, everything else is zero in the VM).
 */
    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      sp, __stack_top
    la      gp, __global_pointer$
    .option pop
    call    main
    /* exit(main's return value) */
    li      a7, 93
    ecall
1:  j       1b
    .size _start, . - _start

    .section .bss.stack, "aw", @nobits
    .balign 16
    .globl __stack_bottom
__stack_bottom:
    .space  256 * 1024
    .globl __stack_top
__stack_top:
