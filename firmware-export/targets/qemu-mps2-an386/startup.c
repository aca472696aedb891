/* Reset and exception entry for the Cortex-M4 of the AN386 image: the vector table (ARMv7-M ARM, B1.5.3),
 * .data copy and .bss zeroing, FPU enable, then main(); main's return value becomes qemu's exit status. */
#include <stdint.h>
#include "board.h"

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __stack_top;

int main(void);
void reset_handler(void);
void fault_handler(void);
void systick_handler(void);

/* Architectural registers, ARMv7-M ARM B3.2.2 (SCB) and B3.2.20 (CPACR). */
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

struct vector_table {
    uint32_t *initial_sp;
    void (*handlers[15])(void);
};

__attribute__((section(".isr_vector"), used)) static const struct vector_table vectors = {
    &__stack_top,
    {
        reset_handler,
        fault_handler, /* NMI */
        fault_handler, /* HardFault */
        fault_handler, /* MemManage */
        fault_handler, /* BusFault */
        fault_handler, /* UsageFault */
        0, 0, 0, 0,
        fault_handler, /* SVCall */
        fault_handler, /* DebugMonitor */
        0,
        fault_handler, /* PendSV */
        systick_handler,
    },
};

void reset_handler(void)
{
    const uint32_t *from = &__data_load;
    uint32_t *to;
    for (to = &__data_start; to < &__data_end; ++to) {
        *to = *from++;
    }
    for (to = &__bss_start; to < &__bss_end; ++to) {
        *to = 0;
    }

    /* Full access to CP10 and CP11 (the single-precision FPU); the code is built -mfloat-abi=hard, so this
     * must happen before main, and the barriers make it take effect before the next instruction. */
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");

    board_exit(main());
}

/* Any fault ends the run with a distinct exit status instead of hanging qemu until the test's timeout. */
void fault_handler(void)
{
    board_puts("fault: the firmware took an unexpected exception\n");
    board_exit(BOARD_EXIT_FAULT);
}
