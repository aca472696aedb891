/*
 * Shared types of the EdgePrune C99 runtime: status codes, the stored form of a weight matrix (docs/format.md
 * "Weight encodings"), the per-channel requantization of int8 kernels and the geometry of convolutions and pools.
 * Every kernel takes these structs by const pointer; the generated model code defines them as const (flash) data.
 */
#ifndef EDGEPRUNE_EP_TYPES_H
#define EDGEPRUNE_EP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EP_OK = 0,
    /* An argument the kernel cannot handle (a null pointer, an encoding this kernel does not read). */
    EP_ERROR_ARGUMENT = 1
} ep_status;

/* The .epb weight encodings, with their file values (docs/format.md "Weight encodings"). */
typedef enum {
    EP_ENCODING_DENSE = 0,
    EP_ENCODING_BITMASK = 1,
    EP_ENCODING_CSR8 = 2,
    EP_ENCODING_CSR16 = 3,
    EP_ENCODING_BLOCK_SPARSE = 4,
    EP_ENCODING_NOFM = 5,
    EP_ENCODING_INT4 = 6
} ep_encoding;

/*
 * A constant matrix of `rows` x `cols` elements (a FullyConnected's [N, K]; a Conv's [M, C/group*KH*KW]) in one
 * encoding. `values` points at int8 or float32 elements (the kernel's type); which other fields are read depends on
 * `encoding`:
 *   DENSE         values: rows*cols elements, row-major.
 *   INT4          packed: (rows*cols+1)/2 bytes, element i in the low nibble of byte i/2 when i is even, two's complement.
 *   BITMASK       packed: one bit per element (bit i&7 of byte i>>3, row-major); values: the set elements in order.
 *   CSR8 / CSR16  row_pointers: rows+1 entries; columns: uint8 / uint16 column of each stored value; values.
 *   BLOCK_SPARSE  p0 x p1 blocks; row_pointers: rows/p0+1 entries; columns: uint16 block column; values: p0*p1 per block.
 *   NOFM          p0 of every p1 (= 4) consecutive elements kept; packed: 2-bit in-group position per slot; values.
 */
typedef struct {
    uint8_t encoding;
    int32_t rows;
    int32_t cols;
    int32_t p0;
    int32_t p1;
    const void *values;
    const uint8_t *packed;
    const int32_t *row_pointers;
    const void *columns;
} ep_weights;

/*
 * TFLite per-channel requantization (DESIGN.md "Numerics"): out = clamp(MultiplyByQuantizedMultiplier(acc,
 * multipliers[c], shifts[c]) + output_offset, activation_min, activation_max). Computed at export time by the same
 * code as the .NET runtime, so the device needs no floating point.
 */
typedef struct {
    const int32_t *multipliers; /* Q31, one per output channel */
    const int8_t *shifts;       /* power-of-two exponent, one per output channel, in [-31, 30] */
    int32_t input_offset;       /* the negated input zero point, added to every input code */
    int32_t output_offset;      /* the output zero point */
    int32_t activation_min;     /* int8 codes of the fused activation's clamp, in [-128, 127] */
    int32_t activation_max;
} ep_requant_s8;

/* A 1-D or 2-D convolution or pool over NC(H)W data; 1-D is 2-D with in_h = kernel_h = 1. Pads are begin/end. */
typedef struct {
    int32_t batch;
    int32_t in_channels;
    int32_t in_h;
    int32_t in_w;
    int32_t out_channels;
    int32_t out_h;
    int32_t out_w;
    int32_t kernel_h;
    int32_t kernel_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t pad_top;
    int32_t pad_left;
    int32_t pad_bottom;
    int32_t pad_right;
    int32_t dilation_h;
    int32_t dilation_w;
    int32_t groups; /* in_channels for a depthwise convolution */
} ep_conv_params;

/* A fused clamp of fp32 kernels; -INFINITY / +INFINITY (or +-FLT_MAX) when absent. */
typedef struct {
    float min;
    float max;
} ep_activation_f32;

#ifdef __cplusplus
}
#endif

#endif
