/*
 * FullyConnected: y[b, n] = act(Σ_k W[n, k] · x[b, k] + bias[n]) for b < batch, with W stored in one encoding
 * (ep_types.h). One function per data type and encoding, so a model links only the loops it calls.
 */
#ifndef EDGEPRUNE_EP_FULLY_CONNECTED_H
#define EDGEPRUNE_EP_FULLY_CONNECTED_H

#include "ep_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * int8, TFLite's scheme: acc = folded_bias[n] + Σ_k W[n, k] · x[k], then per-channel requantization (q).
 * folded_bias[n] = bias[n] + q->input_offset · Σ_k W[n, k] (int32, wrapping), computed at export time; in two's
 * complement arithmetic this equals TFLite's Σ_k W[n, k] · (x[k] + input_offset) + bias[n] exactly.
 * input: batch*cols int8; output: batch*rows int8; weights->values int8 (packed nibbles for int4).
 * Where __ARM_FEATURE_DSP is defined (Cortex-M4/M7/M33), the dense variant uses dual 16-bit MACs (SMLAD).
 */
ep_status ep_fully_connected_s8(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output);
ep_status ep_fully_connected_s8_int4(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output);
ep_status ep_fully_connected_s8_bitmask(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output);
ep_status ep_fully_connected_s8_csr8(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output);
ep_status ep_fully_connected_s8_csr16(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output);
ep_status ep_fully_connected_s8_block(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output);
ep_status ep_fully_connected_s8_nofm(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output);

/* fp32: y = clamp(Σ_k W[n, k] · x[k] + bias[n], act->min, act->max); bias may be NULL (zero). */
ep_status ep_fully_connected_f32(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output);
ep_status ep_fully_connected_f32_bitmask(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output);
ep_status ep_fully_connected_f32_csr8(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output);
ep_status ep_fully_connected_f32_csr16(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output);
ep_status ep_fully_connected_f32_block(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output);
ep_status ep_fully_connected_f32_nofm(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output);

#ifdef __cplusplus
}
#endif

#endif
