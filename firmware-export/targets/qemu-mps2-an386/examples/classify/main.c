/* Runs an exported model (`edgeprune export MODEL --format c --prefix NAME`) on samples the host wrote:
 * inputs.bin holds N samples of NAME_INPUT_SIZE elements in the model's input type (int8, or float32
 * little-endian), labels.bin N bytes. Prints `pred <index> <class>` per sample, then the accuracy, the
 * instructions per inference (exact under qemu -icount shift=6, docs/mcu.md), the arena and the stack used.
 * Both counts are of NAME_invoke alone: the same measurement around an empty function is subtracted.
 * Exit status: 0 done, 2 missing or unreadable input files, 3 inconsistent file sizes, 4 invoke failed. */
#include <stdint.h>
#include "board.h"
#include "report.h"
#include EP_MODEL_HEADER

/* EP_PREFIX / EP_PREFIX_UPPER come from the Makefile (PREFIX): NAME_invoke, NAME_INPUT_SIZE, ... */
#define EP_CAT2(a, b) a##b
#define EP_CAT(a, b) EP_CAT2(a, b)
#define MODEL_INVOKE EP_CAT(EP_PREFIX, _invoke)
#define INPUT_SIZE EP_CAT(EP_PREFIX_UPPER, _INPUT_SIZE)
#define OUTPUT_SIZE EP_CAT(EP_PREFIX_UPPER, _OUTPUT_SIZE)
#define ARENA_BYTES EP_CAT(EP_PREFIX_UPPER, _ARENA_BYTES)
#define IS_INT8 EP_CAT(EP_PREFIX_UPPER, _IS_INT8)

#if IS_INT8
typedef int8_t element_t;
#else
typedef float element_t;
#endif

typedef int (*invoke_fn)(const element_t *input, element_t *output);

/* Labels are read whole; 10,000 is the size of the MNIST test set. */
#define MAX_SAMPLES 10000u

static element_t input[INPUT_SIZE];
static element_t output[OUTPUT_SIZE];
static uint8_t labels[MAX_SAMPLES];

/* An empty function with NAME_invoke's signature: measuring it gives the cost of the measurement itself. */
static int empty_invoke(const element_t *in, element_t *out)
{
    (void)in;
    (void)out;
    return 0;
}

/* Instructions from the first SysTick read to the second around one call; the reads and the call are the
 * same instructions for every callee (noipa: no clone specialised to one callee), so measuring empty_invoke
 * gives exactly what to subtract: what remains is the callee's body beyond an empty function. */
__attribute__((noipa)) static uint64_t measure(invoke_fn invoke, int *status)
{
    uint64_t start = board_ticks();
    uint64_t end;
    *status = invoke(input, output);
    end = board_ticks();
    return board_ticks_to_instructions(end) - board_ticks_to_instructions(start);
}

/* The stack measurement runs the model once more, untimed, with interrupts masked (report_stack_use). */
static void call_model(void)
{
    (void)MODEL_INVOKE(input, output);
}

static void call_empty(void)
{
    (void)empty_invoke(input, output);
}

static int argmax(const element_t *values)
{
    int best = 0;
    int k;
    for (k = 1; k < OUTPUT_SIZE; ++k) {
        if (values[k] > values[best]) {
            best = k;
        }
    }
    return best;
}

int main(void)
{
    const size_t sample_bytes = sizeof input;
    int inputs = board_open("inputs.bin");
    int label_file = board_open("labels.bin");
    long input_bytes, label_count;
    uint32_t samples, i, stack_overhead;
    uint64_t overhead;
    int status;
    struct report report;

    if (inputs < 0 || label_file < 0) {
        return report_error(2, "cannot open inputs.bin and labels.bin in qemu's working directory");
    }
    input_bytes = board_file_length(inputs);
    label_count = board_file_length(label_file);
    if (input_bytes < 0 || label_count < 0 || input_bytes % (long)sample_bytes != 0) {
        return report_error(3, "inputs.bin is not a whole number of samples of NAME_INPUT_SIZE elements");
    }
    samples = (uint32_t)(input_bytes / (long)sample_bytes);
    if ((uint32_t)label_count != samples || samples > MAX_SAMPLES) {
        return report_error(3, "labels.bin must hold one byte per sample of inputs.bin (at most 10000)");
    }
    if (board_read(label_file, labels, samples) != (long)samples) {
        return report_error(2, "cannot read labels.bin");
    }
    board_close(label_file);

    board_counter_start();
    overhead = measure(empty_invoke, &status);
    stack_overhead = report_stack_use(call_empty);
    report_start(&report);
    for (i = 0; i < samples; ++i) {
        uint64_t instructions;
        if (board_read(inputs, input, sample_bytes) != (long)sample_bytes) {
            return report_error(2, "cannot read inputs.bin");
        }
        instructions = measure(MODEL_INVOKE, &status) - overhead;
        if (status != 0) {
            return report_error(4, "NAME_invoke returned an error");
        }
        report_sample(&report, argmax(output), labels[i], instructions, report_stack_use(call_model) - stack_overhead);
    }
    board_close(inputs);
    report_finish(&report, overhead, ARENA_BYTES);
    return 0;
}
