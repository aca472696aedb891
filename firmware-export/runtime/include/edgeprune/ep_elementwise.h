/*
 * Elementwise ops: activations, Softmax, (de)quantization, and Add/Sub/Mul/Div with numpy broadcasting.
 * Counts are in elements. Input and output may be the same buffer except for broadcast binaries.
 */
#ifndef EDGEPRUNE_EP_ELEMENTWISE_H
#define EDGEPRUNE_EP_ELEMENTWISE_H

#include "ep_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EP_MAX_RANK 8

/* An output of `rank` dims; stride_a/stride_b: element strides of each operand per output dim, 0 where it broadcasts. */
typedef struct {
    int32_t rank;
    int32_t sizes[EP_MAX_RANK];
    int32_t stride_a[EP_MAX_RANK];
    int32_t stride_b[EP_MAX_RANK];
} ep_broadcast;

/*
 * TFLite int8 Add/Sub (reference_integer_ops::AddElementwise): inputs offset, shifted left by 20 bits and scaled to
 * twice the larger input scale, summed, then rescaled to the output. Mul: the product of the offset inputs rescaled
 * by output_multiplier/shift (multiplier_a/b unused).
 */
typedef struct {
    int32_t offset_a; /* negated zero point of a */
    int32_t offset_b; /* negated zero point of b */
    int32_t multiplier_a;
    int32_t shift_a;
    int32_t multiplier_b;
    int32_t shift_b;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t output_offset; /* output zero point */
} ep_binary_s8_params;

ep_status ep_add_s8(const ep_broadcast *shape, const ep_binary_s8_params *p, const int8_t *a, const int8_t *b, int8_t *output);
ep_status ep_sub_s8(const ep_broadcast *shape, const ep_binary_s8_params *p, const int8_t *a, const int8_t *b, int8_t *output);
ep_status ep_mul_s8(const ep_broadcast *shape, const ep_binary_s8_params *p, const int8_t *a, const int8_t *b, int8_t *output);
ep_status ep_add_f32(const ep_broadcast *shape, const float *a, const float *b, float *output);
ep_status ep_sub_f32(const ep_broadcast *shape, const float *a, const float *b, float *output);
ep_status ep_mul_f32(const ep_broadcast *shape, const float *a, const float *b, float *output);
ep_status ep_div_f32(const ep_broadcast *shape, const float *a, const float *b, float *output);

/* int8 Relu/Clip with equal input and output quantization: a clamp of the codes to [min, max]. */
ep_status ep_clamp_s8(int32_t count, int32_t min, int32_t max, const int8_t *input, int8_t *output);

ep_status ep_relu_f32(int32_t count, const float *input, float *output);
ep_status ep_clip_f32(int32_t count, float min, float max, const float *input, float *output);
ep_status ep_sigmoid_f32(int32_t count, const float *input, float *output);
ep_status ep_tanh_f32(int32_t count, const float *input, float *output);
ep_status ep_leaky_relu_f32(int32_t count, float alpha, const float *input, float *output);

/* Softmax over the middle axis of [outer, axis, inner], max-subtracted. */
ep_status ep_softmax_f32(int32_t outer, int32_t axis, int32_t inner, const float *input, float *output);

/* ONNX QuantizeLinear: round half to even of x / scale, plus zero point, saturated to int8 (NaN gives the zero point). */
ep_status ep_quantize_f32_s8(int32_t count, float scale, int32_t zero_point, const float *input, int8_t *output);

/* ONNX DequantizeLinear: (q - zero_point) * scale. */
ep_status ep_dequantize_s8_f32(int32_t count, float scale, int32_t zero_point, const int8_t *input, float *output);

#ifdef __cplusplus
}
#endif

#endif
