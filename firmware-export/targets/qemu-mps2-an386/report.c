#include "report.h"
#include "board.h"

#define STACK_PAINT 0xA5A5A5A5u

extern uint32_t __stack_limit;

void report_start(struct report *report)
{
    report->samples = 0;
    report->correct = 0;
    report->instructions_total = 0;
    report->instructions_fewest = UINT64_MAX;
    report->instructions_most = 0;
    report->stack_bytes = 0;
}

void report_sample(struct report *report, int predicted, int label, uint64_t instructions, uint32_t stack_bytes)
{
    board_print("pred ");
    board_print_u64(report->samples);
    board_print(" ");
    board_print_i64(predicted);
    board_println();
    ++report->samples;
    report->correct += predicted == label ? 1u : 0u;
    report->instructions_total += instructions;
    report->instructions_fewest = instructions < report->instructions_fewest ? instructions : report->instructions_fewest;
    report->instructions_most = instructions > report->instructions_most ? instructions : report->instructions_most;
    report->stack_bytes = stack_bytes > report->stack_bytes ? stack_bytes : report->stack_bytes;
}

static void print_line(const char *key, uint64_t value)
{
    board_print(key);
    board_print(" ");
    board_print_u64(value);
    board_println();
}

void report_finish(const struct report *report, uint64_t overhead_instructions, uint32_t arena_bytes)
{
    const uint64_t n = report->samples;
    const uint64_t hundredths = n == 0 ? 0 : (report->correct * 10000u + n / 2u) / n;
    print_line("samples", n);
    print_line("correct", report->correct);
    board_print("accuracy ");
    board_print_u64(hundredths / 100u);
    board_print(hundredths % 100u < 10u ? ".0" : ".");
    board_print_u64(hundredths % 100u);
    board_print(" %");
    board_println();
    board_print("instructions_per_inference ");
    board_print_u64(n == 0 ? 0 : (report->instructions_total + n / 2u) / n);
    board_print(" ");
    board_print_u64(n == 0 ? 0 : report->instructions_fewest);
    board_print(" ");
    board_print_u64(report->instructions_most);
    board_println();
    print_line("measurement_overhead_instructions", overhead_instructions);
    print_line("arena_bytes", arena_bytes);
    print_line("stack_bytes", report->stack_bytes);
}

uint32_t report_stack_use(void (*call)(void))
{
    volatile uint32_t *word = &__stack_limit;
    uint32_t *sp;
    /* Everything below this function's stack pointer is free until `call` runs. */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    while (word < (volatile uint32_t *)sp) {
        *word++ = STACK_PAINT;
    }
    __asm__ volatile("cpsid i" ::: "memory");
    call();
    __asm__ volatile("cpsie i" ::: "memory");
    word = &__stack_limit;
    while (word < (volatile uint32_t *)sp && *word == STACK_PAINT) {
        ++word;
    }
    return (uint32_t)((const char *)sp - (const volatile char *)word);
}

int report_error(int status, const char *message)
{
    board_print("error: ");
    board_print(message);
    board_println();
    return status;
}
