/* What the example firmwares report after running a model over the host's samples: per-sample prediction
 * lines, accuracy, instructions per inference (mean, min, max) and stack use, in one format the tests parse. */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>

struct report {
    uint32_t samples;
    uint32_t correct;
    uint64_t instructions_total;
    uint64_t instructions_fewest;
    uint64_t instructions_most;
    uint32_t stack_bytes;
};

void report_start(struct report *report);

/* Records one inference and prints `pred <index> <class>`. */
void report_sample(struct report *report, int predicted, int label, uint64_t instructions, uint32_t stack_bytes);

/* Prints samples, correct, accuracy, instructions_per_inference (mean min max),
 * measurement_overhead_instructions, arena_bytes and stack_bytes, one per line. */
void report_finish(const struct report *report, uint64_t overhead_instructions, uint32_t arena_bytes);

/* Bytes of stack `call` uses: paints the free stack, runs `call` with interrupts masked (so no exception
 * frame lands in the measurement) and finds the lowest word written. Subtract the figure for an empty
 * function to get the callee's own use. */
uint32_t report_stack_use(void (*call)(void));

/* Prints `error: <message>` and returns status, for `return report_error(2, "...")` in main. */
int report_error(int status, const char *message);

#endif /* REPORT_H */
