/*
 * Max and average pooling (1-D/2-D, NC(H)W; g->out_channels = in_channels, groups unused) and global average pooling.
 * Windows are clipped to the input; an average divides by the clipped window, or with count_include_pad by the window
 * clipped to the padded input (as ONNX Runtime does). int8 pools work on codes (input and output share scale and zero
 * point); int8 averages round half away from zero as TFLite's AveragePool does.
 */
#ifndef EDGEPRUNE_EP_POOLING_H
#define EDGEPRUNE_EP_POOLING_H

#include "ep_types.h"

#ifdef __cplusplus
extern "C" {
#endif

ep_status ep_max_pool_s8(const ep_conv_params *g, const int8_t *input, int8_t *output);
ep_status ep_average_pool_s8(const ep_conv_params *g, int count_include_pad, const int8_t *input, int8_t *output);
ep_status ep_max_pool_f32(const ep_conv_params *g, const float *input, float *output);
ep_status ep_average_pool_f32(const ep_conv_params *g, int count_include_pad, const float *input, float *output);

/* planes = batch*channels, plane_size = H*W (elements). */
ep_status ep_global_average_pool_s8(int32_t planes, int32_t plane_size, const int8_t *input, int8_t *output);
ep_status ep_global_average_pool_f32(int32_t planes, int32_t plane_size, const float *input, float *output);

#ifdef __cplusplus
}
#endif

#endif
