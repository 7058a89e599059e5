/* Entry point of the MIPS64 guests (n64 ABI, big-endian, no libc).
 *
 * The first instructions point sp at a static stack in .bss: QEMU's initial sp differs from the
 * VM's, every other register is zero in both. Then main, then exit_group(main's result).
 */
    .set noreorder
    .section .text.__start, "ax", @progbits
    .globl __start
    .type __start, @function
__start:
    dla     $sp, __stack_top
    jal     main
    nop
    move    $a0, $v0
    li      $v0, 5205          /* exit_group */
    syscall
1:  b       1b
    nop
    .size __start, . - __start

    .section .bss.stack, "aw", @nobits
    .balign 16
__stack_bottom:
    .space  128 * 1024
    .globl __stack_top
__stack_top:
