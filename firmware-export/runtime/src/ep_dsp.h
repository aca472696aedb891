/*
 * The Cortex-M DSP-extension instructions the int8 kernels use (dual 16-bit multiply-accumulate). On a core with
 * __ARM_FEATURE_DSP they are the ACLE intrinsics; under EP_EMULATE_DSP (tests only) they are portable C with the
 * instructions' exact semantics (ARMv7-M ARM A7.7.112 SXTB16, A7.7.134 SMLAD), so a host build runs the DSP loop.
 */
#ifndef EDGEPRUNE_EP_DSP_H
#define EDGEPRUNE_EP_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && !defined(EP_EMULATE_DSP)
#include <arm_acle.h>
#define EP_HAS_DSP 1

static inline uint32_t ep_sxtb16(uint32_t x) { return (uint32_t)__sxtb16((int8x4_t)x); }
#if defined(__GNUC__) && !defined(__clang__)
/* Bytes 1 and 3: SXTB16's own ROR #8 operand. gcc 12 does not fold a C rotate into it (it emits a separate MOV ROR). */
static inline uint32_t ep_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#else
/* clang folds the rotate into SXTB16's ROR operand. */
static inline uint32_t ep_sxtb16_ror8(uint32_t x) { return (uint32_t)__sxtb16((int8x4_t)((x >> 8) | (x << 24))); }
#endif
static inline int32_t ep_smlad(uint32_t a, uint32_t b, int32_t acc) { return __smlad((int16x2_t)a, (int16x2_t)b, acc); }

#elif defined(EP_EMULATE_DSP)
#define EP_HAS_DSP 1

/* Bytes 0 and 2 sign-extended into the two halfwords. */
static inline uint32_t ep_sxtb16(uint32_t x)
{
    uint32_t lo = (uint32_t)(uint16_t)(int16_t)(int8_t)(uint8_t)(x & 0xFFu);
    uint32_t hi = (uint32_t)(uint16_t)(int16_t)(int8_t)(uint8_t)((x >> 16) & 0xFFu);
    return lo | (hi << 16);
}

static inline uint32_t ep_sxtb16_ror8(uint32_t x) { return ep_sxtb16((x >> 8) | (x << 24)); }

/* acc + a.lo*b.lo + a.hi*b.hi, signed halfwords, wrapping as the instruction does (it only sets the Q flag). */
static inline int32_t ep_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t lo = (int32_t)(int16_t)(uint16_t)(a & 0xFFFFu) * (int32_t)(int16_t)(uint16_t)(b & 0xFFFFu);
    int32_t hi = (int32_t)(int16_t)(uint16_t)(a >> 16) * (int32_t)(int16_t)(uint16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
#endif

#ifdef EP_HAS_DSP
/* Four int8 values as one word, from any alignment (the compiler emits one LDR on cores with unaligned access). */
static inline uint32_t ep_read_s8x4(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
#endif

#endif
