/* Not a test of the VM: a program where Cannon and QEMU are known to differ, so that the
 * differential test can show it catches a divergence. `sra` of a register that is not a
 * sign-extended word is UNPREDICTABLE on MIPS64; Cannon sign-extends from bit 31 - sa of the
 * low word, QEMU shifts the whole register. The divergence is in $13 (n64 $t1, QEMU prints o32 names: t5)
 * before instruction 3. */
    .set noreorder
    .globl __start
__start:
    ori     $t0, $zero, 0x8000
    dsll    $t0, $t0, 16        /* 0x80000000, not sign-extended */
    sra     $t1, $t0, 4
    li      $a0, 0
    li      $v0, 5205           /* exit_group */
    syscall
