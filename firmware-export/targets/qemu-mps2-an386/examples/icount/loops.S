@ Code whose executed instruction counts are known by reading it: the oracle for the instruction counter.
    .syntax unified
    .cpu cortex-m4
    .thumb
    .text

@ uint32_t icount_asm_ticks(uint32_t n), n >= 1. Reads SysTick's current value twice, 3n + 2 instructions
@ apart (from the first ldr to the second: the mov, then n iterations of subs/add/bne), and returns the
@ ticks between the reads modulo 2^24 (one wrap at most: the reload is 2^24 - 1). Interrupts are masked so
@ the wrap handler cannot add instructions; a pending wrap is taken after cpsie.
    .global icount_asm_ticks
    .type icount_asm_ticks, %function
    .thumb_func
icount_asm_ticks:
    cpsid i
    ldr r2, =0xE000E018
    ldr r3, [r2]
    mov r1, r0
1:  subs r1, r1, #1
    add r0, r0, r1
    bne 1b
    ldr r1, [r2]
    cpsie i
    subs r0, r3, r1
    bic r0, r0, #0xFF000000
    bx lr
    .size icount_asm_ticks, . - icount_asm_ticks
    .pool

@ void icount_measure(uint32_t n, uint64_t ticks[2]): board_ticks() before and after n iterations of a
@ 3-instruction loop. Between the calls run: strd and cbz, then for n >= 1 the mov and 3n loop instructions.
@ So the instructions measured for n, minus those for n = 0, are 3n + 1 exactly; those for n = 0 are the
@ fixed cost of a measurement (the end of one board_ticks call, strd, cbz, the bl of the next and its start).
    .global icount_measure
    .type icount_measure, %function
    .thumb_func
icount_measure:
    push {r4, r5, r6, r7, r8, lr}
    mov r4, r0
    mov r7, r1
    bl board_ticks
    strd r0, r1, [r7]
    cbz r4, 2f
    mov r1, r4
1:  subs r1, r1, #1
    add r6, r6, r1
    bne 1b
2:  bl board_ticks
    strd r0, r1, [r7, #8]
    pop {r4, r5, r6, r7, r8, pc}
    .size icount_measure, . - icount_measure
