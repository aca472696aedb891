/*
 * Convolution 1-D / 2-D with groups (depthwise when groups = in_channels), NC(H)W, weights [M, C/groups, KH, KW] as
 * a rows = M, cols = C/groups*KH*KW matrix in any encoding (ep_types.h). Taps falling in the padding contribute
 * nothing, as in TFLite and ONNX. No scratch memory: each output element is summed over its filter's stored taps.
 */
#ifndef EDGEPRUNE_EP_CONV_H
#define EDGEPRUNE_EP_CONV_H

#include "ep_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* int8: acc = bias[m] + Σ w · (x + q->input_offset) over in-image taps, then requantization. bias may be NULL. */
ep_status ep_conv_s8(const ep_conv_params *g, const ep_requant_s8 *q, const int8_t *input, const ep_weights *weights, const int32_t *bias, int8_t *output);

/* fp32: y = clamp(bias[m] + Σ w · x, act->min, act->max). bias may be NULL. */
ep_status ep_conv_f32(const ep_conv_params *g, const ep_activation_f32 *act, const float *input, const ep_weights *weights, const float *bias, float *output);

#ifdef __cplusplus
}
#endif

#endif
