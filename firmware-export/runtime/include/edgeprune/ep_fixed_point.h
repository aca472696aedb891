/*
 * The integer arithmetic of TFLite's int8 scheme (gemmlowp fixedpoint.h, TFLite quantization_util), bit for bit
 * what src/EdgePrune.Runtime/Kernels/FixedPoint.cs computes. Right shifts of negative values are arithmetic on every
 * compiler this runtime supports (gcc, clang, arm-none-eabi-gcc); C99 leaves that implementation-defined.
 */
#ifndef EDGEPRUNE_EP_FIXED_POINT_H
#define EDGEPRUNE_EP_FIXED_POINT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* (a*b*2 + 2^30) >> 31, rounding the exact product's half away from zero; the single overflow (both INT32_MIN) saturates. */
static inline int32_t ep_saturating_rounding_doubling_high_mul(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    /* C99 6.5.5: integer division truncates toward zero, as gemmlowp (and C#) divide. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent rounded half away from zero (gemmlowp RoundingDivideByPOT); exponent in [0, 31]. */
static inline int32_t ep_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift - 31) with gemmlowp rounding. */
static inline int32_t ep_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    /* The left shift wraps in two's complement as the .NET runtime's unchecked multiply does. */
    int32_t shifted = (int32_t)((uint32_t)x << left);
    return ep_rounding_divide_by_pot(ep_saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}

/* TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0), used by int8 Add and Sub. */
static inline int32_t ep_multiply_by_quantized_multiplier_smaller_than_one(int32_t x, int32_t multiplier, int32_t shift)
{
    return ep_rounding_divide_by_pot(ep_saturating_rounding_doubling_high_mul(x, multiplier), -shift);
}

static inline int32_t ep_clamp_s32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

#ifdef __cplusplus
}
#endif

#endif
