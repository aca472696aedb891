/* Runs an exported model (`edgeprune export MODEL --format c --prefix NAME`) on samples the host wrote:
 * inputs.bin holds N samples of NAME_INPUT_SIZE elements in the model's input type (int8, or float32
 * little-endian), labels.bin N bytes. Prints `pred <index> <class>` per sample, then the accuracy, the
 * instructions per inference (exact under qemu -icount shift=6, docs/mcu.md), the arena and the stack used.
 * Exit status: 0 done, 2 missing or unreadable input files, 3 inconsistent file sizes, 4 invoke failed. */
#include <stdint.h>
#include "board.h"
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

#define STACK_PAINT 0xA5A5A5A5u

extern uint32_t __stack_limit;

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

/* Fills the free stack below the caller's stack pointer with a pattern. A leaf that keeps nothing on the
 * stack, so everything below its stack pointer is free (checked in the disassembly, docs/mcu.md). */
__attribute__((noinline)) static void paint_stack(void)
{
    volatile uint32_t *word = &__stack_limit;
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    while (word < (volatile uint32_t *)sp) {
        *word++ = STACK_PAINT;
    }
}

/* Bytes of stack below `top` written since paint_stack. */
static uint32_t stack_used_below(const uint32_t *top)
{
    const uint32_t *word = &__stack_limit;
    while (word < top && *word == STACK_PAINT) {
        ++word;
    }
    return (uint32_t)((const char *)top - (const char *)word);
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

static int fail(int status, const char *message)
{
    board_print("error: ");
    board_print(message);
    board_println();
    return status;
}

static void print_line(const char *key, uint64_t value)
{
    board_print(key);
    board_print(" ");
    board_print_u64(value);
    board_println();
}

int main(void)
{
    const size_t sample_bytes = sizeof input;
    int inputs = board_open("inputs.bin");
    int label_file = board_open("labels.bin");
    long input_bytes, label_count;
    uint32_t samples, i, correct = 0, stack_bytes = 0;
    uint64_t overhead, total = 0, fewest = UINT64_MAX, most = 0;
    uint32_t *sp;
    int status;

    if (inputs < 0 || label_file < 0) {
        return fail(2, "cannot open inputs.bin and labels.bin in qemu's working directory");
    }
    input_bytes = board_file_length(inputs);
    label_count = board_file_length(label_file);
    if (input_bytes < 0 || label_count < 0 || input_bytes % (long)sample_bytes != 0) {
        return fail(3, "inputs.bin is not a whole number of samples of NAME_INPUT_SIZE elements");
    }
    samples = (uint32_t)(input_bytes / (long)sample_bytes);
    if ((uint32_t)label_count != samples || samples > MAX_SAMPLES) {
        return fail(3, "labels.bin must hold one byte per sample of inputs.bin (at most 10000)");
    }
    if (board_read(label_file, labels, samples) != (long)samples) {
        return fail(2, "cannot read labels.bin");
    }
    board_close(label_file);

    board_counter_start();
    overhead = measure(empty_invoke, &status);
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (i = 0; i < samples; ++i) {
        uint64_t instructions;
        uint32_t used;
        int predicted;
        if (board_read(inputs, input, sample_bytes) != (long)sample_bytes) {
            return fail(2, "cannot read inputs.bin");
        }
        paint_stack();
        instructions = measure(MODEL_INVOKE, &status) - overhead;
        used = stack_used_below(sp);
        if (status != 0) {
            return fail(4, "NAME_invoke returned an error");
        }
        stack_bytes = used > stack_bytes ? used : stack_bytes;
        total += instructions;
        fewest = instructions < fewest ? instructions : fewest;
        most = instructions > most ? instructions : most;
        predicted = argmax(output);
        correct += predicted == labels[i] ? 1u : 0u;
        board_print("pred ");
        board_print_u64(i);
        board_print(" ");
        board_print_u64((uint64_t)predicted);
        board_println();
    }
    board_close(inputs);

    print_line("samples", samples);
    print_line("correct", correct);
    board_print("accuracy ");
    board_print_u64(samples == 0 ? 0 : (uint64_t)correct * 100u / samples);
    board_print(".");
    {
        uint64_t hundredths = samples == 0 ? 0 : (uint64_t)correct * 10000u / samples % 100u;
        board_print(hundredths < 10 ? "0" : "");
        board_print_u64(hundredths);
    }
    board_print(" %");
    board_println();
    board_print("instructions_per_inference ");
    board_print_u64(samples == 0 ? 0 : (total + samples / 2u) / samples);
    board_print(" ");
    board_print_u64(samples == 0 ? 0 : fewest);
    board_print(" ");
    board_print_u64(most);
    board_println();
    print_line("measurement_overhead_instructions", overhead);
    print_line("arena_bytes", (uint64_t)ARENA_BYTES);
    print_line("stack_bytes", stack_bytes);
    return 0;
}
