/* The per-channel output step shared by the int8 FullyConnected and Conv kernels. */
#ifndef EDGEPRUNE_EP_REQUANT_H
#define EDGEPRUNE_EP_REQUANT_H

#include "edgeprune/ep_fixed_point.h"
#include "edgeprune/ep_types.h"

static inline int8_t ep_requantize(const ep_requant_s8 *q, int32_t acc, int32_t channel)
{
    int32_t scaled = ep_multiply_by_quantized_multiplier(acc, q->multipliers[channel], q->shifts[channel]) + q->output_offset;
    return (int8_t)ep_clamp_s32(scaled, q->activation_min, q->activation_max);
}

/* Sums in uint32 so that the wrap of an extreme bias is defined behaviour and matches the .NET runtime's unchecked int. */
static inline int32_t ep_wrapping_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

#endif
