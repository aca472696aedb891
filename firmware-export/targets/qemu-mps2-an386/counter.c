/* The instruction counter: SysTick (ARMv7-M ARM B3.3) clocked from the processor clock, counting down from
 * 2^24 - 1 and interrupting at each wrap, so that board_ticks() is a 64-bit count of processor clock ticks. */
#include "board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE_PROCESSOR (1u << 2)

#define RELOAD 0x00FFFFFFu

/* mps2-an386 runs the core at 25 MHz (AN386 section 3.2; QEMU hw/arm/mps2.c SYSCLK_FRQ); qemu's -icount
 * shift=6 makes each instruction last 2^6 ns of virtual time. */
#define CPU_HZ 25000000u
#define ICOUNT_SHIFT 6

static volatile uint32_t wraps;

void systick_handler(void);

void systick_handler(void)
{
    ++wraps;
}

void board_counter_start(void)
{
    SYST_CSR = 0;
    SYST_RVR = RELOAD;
    SYST_CVR = 0; /* any write clears the counter; it reloads on the next tick */
    wraps = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE_PROCESSOR;
}

uint64_t board_ticks(void)
{
    uint32_t before, value;
    /* A wrap between reading the wrap count and the counter would pair an old count with a new value: read
     * again until the wrap count is stable around the counter read. */
    do {
        before = wraps;
        value = SYST_CVR;
    } while (before != wraps);
    return (uint64_t)before * (RELOAD + 1u) + (RELOAD - value);
}

uint64_t board_ticks_to_instructions(uint64_t ticks)
{
    /* ticks per instruction = CPU_HZ * 2^shift / 1e9 = 1.6; ticks / 1.6 rounded to nearest, in integers. */
    const uint64_t numerator = 1000000000u;
    const uint64_t denominator = (uint64_t)CPU_HZ << ICOUNT_SHIFT;
    return (ticks * numerator + denominator / 2u) / denominator;
}
