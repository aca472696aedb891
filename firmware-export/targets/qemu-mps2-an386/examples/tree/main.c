/* Runs a tree ensemble exported by EdgePrune's tree C export (`edgeprune tree export`, NAME.h / NAME.c with
 * NAME_predict) on samples the host wrote: inputs.bin holds N samples of NAME_FEATURE_COUNT features of
 * NAME_feature_t (float32 little-endian, or the integer feature type), labels.bin N class indices. Prints
 * `pred <index> <class index>` per sample, then the accuracy, the instructions per prediction and the stack
 * used by NAME_predict (exact under qemu -icount shift=6, docs/mcu.md).
 * Exit status: 0 done, 2 missing or unreadable input files, 3 inconsistent file sizes. */
#include <stdint.h>
#include "board.h"
#include "report.h"
#include EP_MODEL_HEADER

#define EP_CAT2(a, b) a##b
#define EP_CAT(a, b) EP_CAT2(a, b)
#define MODEL_PREDICT EP_CAT(EP_PREFIX, _predict)
#define FEATURE_COUNT EP_CAT(EP_PREFIX_UPPER, _FEATURE_COUNT)
#define OUTPUT_COUNT EP_CAT(EP_PREFIX_UPPER, _OUTPUT_COUNT)
typedef EP_CAT(EP_PREFIX, _feature_t) feature_t;

typedef int (*predict_fn)(const feature_t *features, float *scores);

#define MAX_SAMPLES 10000u

static feature_t features[FEATURE_COUNT];
static float scores[OUTPUT_COUNT];
static uint8_t labels[MAX_SAMPLES];

static int empty_predict(const feature_t *in, float *out)
{
    (void)in;
    (void)out;
    return 0;
}

/* See examples/classify: the measurement around an empty function is what gets subtracted. */
__attribute__((noipa)) static uint64_t measure(predict_fn predict, int *predicted)
{
    uint64_t start = board_ticks();
    uint64_t end;
    *predicted = predict(features, scores);
    end = board_ticks();
    return board_ticks_to_instructions(end) - board_ticks_to_instructions(start);
}

/* The stack measurement runs the model once more, untimed, with interrupts masked (report_stack_use). */
static void call_model(void)
{
    (void)MODEL_PREDICT(features, scores);
}

static void call_empty(void)
{
    (void)empty_predict(features, scores);
}

int main(void)
{
    const size_t sample_bytes = sizeof features;
    int inputs = board_open("inputs.bin");
    int label_file = board_open("labels.bin");
    long input_bytes, label_count;
    uint32_t samples, i, stack_overhead;
    uint64_t overhead;
    int predicted;
    struct report report;

    if (inputs < 0 || label_file < 0) {
        return report_error(2, "cannot open inputs.bin and labels.bin in qemu's working directory");
    }
    input_bytes = board_file_length(inputs);
    label_count = board_file_length(label_file);
    if (input_bytes < 0 || label_count < 0 || input_bytes % (long)sample_bytes != 0) {
        return report_error(3, "inputs.bin is not a whole number of samples of NAME_FEATURE_COUNT features");
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
    overhead = measure(empty_predict, &predicted);
    stack_overhead = report_stack_use(call_empty);
    report_start(&report);
    for (i = 0; i < samples; ++i) {
        uint64_t instructions;
        if (board_read(inputs, features, sample_bytes) != (long)sample_bytes) {
            return report_error(2, "cannot read inputs.bin");
        }
        instructions = measure(MODEL_PREDICT, &predicted) - overhead;
        report_sample(&report, predicted, labels[i], instructions, report_stack_use(call_model) - stack_overhead);
    }
    board_close(inputs);
    /* The tree export has no arena: its only RAM is the caller's score buffer and a few locals. */
    report_finish(&report, overhead, 0);
    return 0;
}
