/* Proves the instruction counter against hand-counted assembly (loops.S): prints the SysTick ticks between
 * two reads a known number of instructions apart, the instructions an empty board_ticks() measurement
 * costs, and what board_ticks() reports around loops of known length (the longest spans
 * several counter wraps). */
#include "board.h"

uint32_t icount_asm_ticks(uint32_t n);
void icount_measure(uint32_t n, uint64_t ticks[2]);

static const uint32_t tick_sizes[] = {1u, 2u, 3u, 4u, 5u, 1000u, 1001u, 1002u, 100000u, 1000000u};
static const uint32_t loop_sizes[] = {0u, 1u, 2u, 3u, 4u, 5u, 7u, 1000u, 1001u, 1002u, 100000u, 10000000u};

static void print_pair(const char *what, uint64_t n, uint64_t value)
{
    board_print(what);
    board_print(" ");
    board_print_u64(n);
    board_print(" ");
    board_print_u64(value);
    board_println();
}

int main(void)
{
    size_t i;
    board_counter_start();
    for (i = 0; i < sizeof tick_sizes / sizeof tick_sizes[0]; ++i) {
        print_pair("asm_ticks", tick_sizes[i], icount_asm_ticks(tick_sizes[i]));
    }

    for (i = 0; i < 3; ++i) {
        uint64_t start = board_ticks();
        uint64_t end = board_ticks();
        print_pair("empty_instructions", i, board_ticks_to_instructions(end) - board_ticks_to_instructions(start));
    }

    for (i = 0; i < sizeof loop_sizes / sizeof loop_sizes[0]; ++i) {
        uint64_t ticks[2];
        icount_measure(loop_sizes[i], ticks);
        print_pair("measured_instructions", loop_sizes[i], board_ticks_to_instructions(ticks[1]) - board_ticks_to_instructions(ticks[0]));
    }

    return 0;
}
