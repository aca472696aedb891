/* int8 FullyConnected, one function per weight encoding (ep_fully_connected.h). Integer sums are exact, so every
 * loop order gives the .NET runtime's result bit for bit. */
#include "edgeprune/ep_fully_connected.h"

#include "ep_dsp.h"
#include "ep_requant.h"

static int32_t dot_s8(const int8_t *w, const int8_t *x, int32_t k)
{
    int32_t acc = 0;
    int32_t i = 0;
#ifdef EP_HAS_DSP
    for (; i + 4 <= k; i += 4) {
        uint32_t wv = ep_read_s8x4(w + i);
        uint32_t xv = ep_read_s8x4(x + i);
        acc = ep_smlad(ep_sxtb16(wv), ep_sxtb16(xv), acc);
        acc = ep_smlad(ep_sxtb16_ror8(wv), ep_sxtb16_ror8(xv), acc);
    }
#endif
    for (; i < k; i++) {
        acc += (int32_t)w[i] * (int32_t)x[i];
    }
    return acc;
}

#ifdef EP_HAS_DSP
/*
 * Four output rows at once (CMSIS-NN's scheme): each input word is loaded and unpacked by SXTB16 once for 16 MACs,
 * so the 4 columns x 4 rows step is 1 + 4 word loads, 2 + 8 SXTB16 and 8 SMLAD (23 instructions, 1.44 per MAC;
 * 1.56 with the loop's compare and branch).
 */
#if defined(__GNUC__) || defined(__clang__)
/* Out of line so that the loop gets all the registers: inlined into the caller, gcc spills accumulators. */
__attribute__((noinline))
#endif
static void dot4_s8(const int8_t *w, const int8_t *x, int32_t k, int32_t acc[4])
{
    /* Rows 1 and 3 are read at a register offset from rows 0 and 2: two live pointers instead of four. */
    const int8_t *w0 = w, *w2 = w + 2 * (size_t)k;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, i;
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && !defined(EP_EMULATE_DSP)
    /*
     * The same step in assembly: gcc 12 at -Os spills a pointer or the counter out of the 13 registers the loop
     * needs and does not use post-increment loads (1.8 instructions per MAC instead of 1.56). Rows 1 and 3 are read at
     * offset k - 4 from the already advanced row 0 and 2 pointers.
     */
    if (k >= 4) {
        const int8_t *end = x + (k & ~3);
        int32_t k_minus_4 = k - 4;
        uint32_t xv, x_even, x_odd, wv;
        __asm__ volatile(
            "1:\n\t"
            "ldr     %[xv], [%[x]], #4\n\t"
            "sxtb16  %[xe], %[xv]\n\t"
            "sxtb16  %[xo], %[xv], ror #8\n\t"
            "ldr     %[wv], [%[w0]], #4\n\t"
            "sxtb16  %[xv], %[wv]\n\t"
            "smlad   %[a0], %[xv], %[xe], %[a0]\n\t"
            "sxtb16  %[wv], %[wv], ror #8\n\t"
            "smlad   %[a0], %[wv], %[xo], %[a0]\n\t"
            "ldr     %[wv], [%[w0], %[km4]]\n\t"
            "sxtb16  %[xv], %[wv]\n\t"
            "smlad   %[a1], %[xv], %[xe], %[a1]\n\t"
            "sxtb16  %[wv], %[wv], ror #8\n\t"
            "smlad   %[a1], %[wv], %[xo], %[a1]\n\t"
            "ldr     %[wv], [%[w2]], #4\n\t"
            "sxtb16  %[xv], %[wv]\n\t"
            "smlad   %[a2], %[xv], %[xe], %[a2]\n\t"
            "sxtb16  %[wv], %[wv], ror #8\n\t"
            "smlad   %[a2], %[wv], %[xo], %[a2]\n\t"
            "ldr     %[wv], [%[w2], %[km4]]\n\t"
            "sxtb16  %[xv], %[wv]\n\t"
            "smlad   %[a3], %[xv], %[xe], %[a3]\n\t"
            "sxtb16  %[wv], %[wv], ror #8\n\t"
            "smlad   %[a3], %[wv], %[xo], %[a3]\n\t"
            "cmp     %[x], %[end]\n\t"
            "bne     1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w0] "+r"(w0), [w2] "+r"(w2),
              [xv] "=&r"(xv), [xe] "=&r"(x_even), [xo] "=&r"(x_odd), [wv] "=&r"(wv)
            : [end] "r"(end), [km4] "r"(k_minus_4)
            : "cc", "memory");
    }
#else
    /* The loop above in C, for compilers without GNU inline assembly; the host tests run it with EP_EMULATE_DSP. */
    int32_t words;
    for (words = k >> 2; words > 0; words--) {
        uint32_t xv = ep_read_s8x4(x);
        uint32_t x_even = ep_sxtb16(xv), x_odd = ep_sxtb16_ror8(xv);
        uint32_t wv = ep_read_s8x4(w0);
        a0 = ep_smlad(ep_sxtb16(wv), x_even, a0);
        a0 = ep_smlad(ep_sxtb16_ror8(wv), x_odd, a0);
        wv = ep_read_s8x4(w0 + k);
        a1 = ep_smlad(ep_sxtb16(wv), x_even, a1);
        a1 = ep_smlad(ep_sxtb16_ror8(wv), x_odd, a1);
        wv = ep_read_s8x4(w2);
        a2 = ep_smlad(ep_sxtb16(wv), x_even, a2);
        a2 = ep_smlad(ep_sxtb16_ror8(wv), x_odd, a2);
        wv = ep_read_s8x4(w2 + k);
        a3 = ep_smlad(ep_sxtb16(wv), x_even, a3);
        a3 = ep_smlad(ep_sxtb16_ror8(wv), x_odd, a3);
        x += 4;
        w0 += 4;
        w2 += 4;
    }
#endif
    for (i = 0; i < (k & 3); i++) {
        int32_t xi = x[i];
        a0 += (int32_t)w0[i] * xi;
        a1 += (int32_t)w0[k + i] * xi;
        a2 += (int32_t)w2[i] * xi;
        a3 += (int32_t)w2[k + i] * xi;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

ep_status ep_fully_connected_s8(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *w = (const int8_t *)weights->values;
    int32_t n = weights->rows, k = weights->cols, b, o;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        o = 0;
#ifdef EP_HAS_DSP
        for (; o + 4 <= n; o += 4) {
            int32_t acc[4], r;
            dot4_s8(w + (size_t)o * (size_t)k, x, k, acc);
            for (r = 0; r < 4; r++) {
                *output++ = ep_requantize(q, ep_wrapping_add(acc[r], folded_bias[o + r]), o + r);
            }
        }
#endif
        for (; o < n; o++) {
            int32_t acc = dot_s8(w + (size_t)o * (size_t)k, x, k);
            *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_s8_int4(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const uint8_t *packed = weights->packed;
    int32_t n = weights->rows, k = weights->cols, b, o, i;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            int32_t acc = 0;
            int32_t start = o * k;
            for (i = 0; i < k; i++) {
                int32_t e = start + i;
                int32_t nibble = (packed[e >> 1] >> ((e & 1) * 4)) & 0xF;
                acc += ((nibble ^ 8) - 8) * (int32_t)x[i];
            }
            *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
        }
    }
    return EP_OK;
}

/* The mask's last, partial word: its `left` (< 4) bytes. */
static uint32_t bitmask_partial_word(const uint8_t *p, int32_t left)
{
    uint32_t bits = 0;
    int32_t i;
    for (i = 0; i < left; i++) {
        bits |= (uint32_t)p[i] << (8 * i);
    }
    return bits;
}

/*
 * Bits 32*word .. 32*word+31 of a bitmask (element i is bit i&7 of byte i>>3, so bit i&31 of the little-endian
 * word); the last word stops at the mask's last byte. gcc and clang merge the four byte loads into one LDR. Forced
 * inline: at -Os gcc calls it, twice per row.
 */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline uint32_t bitmask_word(const uint8_t *mask, int32_t word, int32_t bytes)
{
    const uint8_t *p = mask + (size_t)word * 4u;
    if (bytes - word * 4 >= 4) {
        return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    }
    return bitmask_partial_word(p, bytes - word * 4);
}

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && !defined(EP_EMULATE_DSP)
/*
 * acc + the products of the next stored values with the inputs of one row's set bits: `first` (the row's first mask
 * word, bits before the row cleared), `words` whole words from `mask`, then `last` (the row's last word, bits after
 * it cleared; 0 when the row fits in one word). Bit 0 of the first word is input element x[-lead].
 * Per word a load, a test and the pointer updates (6 instructions, 5 for a zero word); per set bit 7: CLZ of the
 * bit-reversed word finds it, a shifted EOR clears it. In assembly because gcc 12 compares before the EOR instead of
 * using its flags and spills at -Os (12 instructions a set bit).
 */
static int32_t bitmask_row(uint32_t first, const uint8_t *mask, int32_t words, uint32_t last, const int8_t *x, int32_t lead, const int8_t **values, int32_t acc)
{
    const int8_t *v = *values;
    uint32_t bits = first, bit, x_value, w_value, top = 0x80000000u;
    __asm__ volatile(
        "sub     %[x], %[x], %[lead]\n\t"
        "cmp     %[bits], #0\n\t"
        "bne     3f\n\t"
        "b       5f\n\t"
        "1:\n\t"
        "ldr     %[bits], [%[mask]], #4\n\t"
        "cbz     %[bits], 5f\n\t"
        "3:\n\t"
        "rbit    %[bits], %[bits]\n\t"
        "2:\n\t"
        "clz     %[bit], %[bits]\n\t"
        "ldrsb   %[xv], [%[x], %[bit]]\n\t"
        "ldrsb   %[wv], [%[v]], #1\n\t"
        "lsr     %[bit], %[top], %[bit]\n\t"
        "smlabb  %[acc], %[wv], %[xv], %[acc]\n\t"
        "eors    %[bits], %[bits], %[bit]\n\t"
        "bne     2b\n\t"
        "5:\n\t"
        "adds    %[x], %[x], #32\n\t"
        "subs    %[words], %[words], #1\n\t"
        "bpl     1b\n\t"
        "movs    %[bits], %[last]\n\t"
        "beq     9f\n\t"
        "rbit    %[bits], %[bits]\n\t"
        "7:\n\t"
        "clz     %[bit], %[bits]\n\t"
        "ldrsb   %[xv], [%[x], %[bit]]\n\t"
        "ldrsb   %[wv], [%[v]], #1\n\t"
        "lsr     %[bit], %[top], %[bit]\n\t"
        "smlabb  %[acc], %[wv], %[xv], %[acc]\n\t"
        "eors    %[bits], %[bits], %[bit]\n\t"
        "bne     7b\n\t"
        "9:\n\t"
        : [bits] "+l"(bits), [mask] "+r"(mask), [words] "+r"(words), [x] "+r"(x), [acc] "+r"(acc), [v] "+r"(v),
          [bit] "=&r"(bit), [xv] "=&r"(x_value), [wv] "=&r"(w_value)
        : [last] "r"(last), [lead] "r"(lead), [top] "r"(top)
        : "cc", "memory");
    *values = v;
    return acc;
}
#else
/* acc + the products for the set bits i of bits with x[offset + i], lowest first; bits below -offset are clear. */
static int32_t bitmask_bits(uint32_t bits, const int8_t *x, int32_t offset, const int8_t **values, int32_t acc)
{
    const int8_t *v = *values;
    if (offset < 0) {
        bits >>= -offset;
        offset = 0;
    }
    while (bits != 0u) {
        int32_t bit = 0;
#if defined(__GNUC__) || defined(__clang__)
        bit = __builtin_ctz(bits);
#else
        while (((bits >> bit) & 1u) == 0u) {
            bit++;
        }
#endif
        acc += (int32_t)*v++ * (int32_t)x[offset + bit];
        bits &= bits - 1u;
    }
    *values = v;
    return acc;
}

/* The portable twin of the assembly above, with the same arguments. */
static int32_t bitmask_row(uint32_t first, const uint8_t *mask, int32_t words, uint32_t last, const int8_t *x, int32_t lead, const int8_t **values, int32_t acc)
{
    int32_t word;
    acc = bitmask_bits(first, x, -lead, values, acc);
    for (word = 0; word < words; word++) {
        acc = bitmask_bits(bitmask_word(mask, word, words * 4), x, 32 * (word + 1) - lead, values, acc);
    }
    return bitmask_bits(last, x, 32 * (words + 1) - lead, values, acc);
}
#endif

/*
 * Visits only the set bits of the mask, a word at a time, so the cost follows the stored values, not the positions.
 * Rows are not word aligned (cols need not be a multiple of 32): a row's first and last words are masked here.
 */
ep_status ep_fully_connected_s8_bitmask(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *values = (const int8_t *)weights->values;
    const uint8_t *mask = weights->packed;
    int32_t n = weights->rows, k = weights->cols, b, o;
    int32_t bytes = (n * k + 7) / 8;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        const int8_t *v = values;
        for (o = 0; o < n; o++) {
            int32_t acc = 0;
            if (k > 0) {
                int32_t start = o * k, end = start + k;
                int32_t first_word = start >> 5, last_word = (end - 1) >> 5, bits_in_last = end - last_word * 32;
                uint32_t last_mask = bits_in_last == 32 ? ~0u : (1u << bits_in_last) - 1u;
                uint32_t first = bitmask_word(mask, first_word, bytes) & (~0u << (start & 31)), last = 0u;
                if (last_word == first_word) {
                    first &= last_mask;
                } else {
                    last = bitmask_word(mask, last_word, bytes) & last_mask;
                }
                acc = bitmask_row(first, mask + (size_t)(first_word + 1) * 4u, last_word > first_word ? last_word - first_word - 1 : 0, last, x, start & 31, &v, 0);
            }
            *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_s8_csr8(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *values = (const int8_t *)weights->values;
    const uint8_t *columns = (const uint8_t *)weights->columns;
    const int32_t *rows = weights->row_pointers;
    int32_t n = weights->rows, k = weights->cols, b, o, j;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            int32_t acc = 0;
            for (j = rows[o]; j < rows[o + 1]; j++) {
                acc += (int32_t)values[j] * (int32_t)x[columns[j]];
            }
            *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_s8_csr16(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *values = (const int8_t *)weights->values;
    const uint16_t *columns = (const uint16_t *)weights->columns;
    const int32_t *rows = weights->row_pointers;
    int32_t n = weights->rows, k = weights->cols, b, o, j;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            int32_t acc = 0;
            for (j = rows[o]; j < rows[o + 1]; j++) {
                acc += (int32_t)values[j] * (int32_t)x[columns[j]];
            }
            *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
        }
    }
    return EP_OK;
}

#ifdef EP_HAS_DSP
/*
 * One row of 1x4 or 1x8 blocks (the shapes that tile a row of inputs): per block one column load, then per word of
 * four weights a weight and an input word, two SXTB16 pairs and two SMLAD. gcc 12 -Os keeps it in registers with
 * post-increment loads: 11 instructions per 1x4 block, 23 per 1x8 block (one spill), loop included.
 */
static int32_t block_row_1x4(const int8_t *v, const uint16_t *column, const uint16_t *end, const int8_t *x, int32_t acc)
{
    for (; column != end; column++, v += 4) {
        const uint32_t w = ep_read_s8x4(v), xw = ep_read_s8x4(x + 4 * (size_t)*column);
        acc = ep_smlad(ep_sxtb16(w), ep_sxtb16(xw), acc);
        acc = ep_smlad(ep_sxtb16_ror8(w), ep_sxtb16_ror8(xw), acc);
    }
    return acc;
}

static int32_t block_row_1x8(const int8_t *v, const uint16_t *column, const uint16_t *end, const int8_t *x, int32_t acc)
{
    for (; column != end; column++, v += 8) {
        const int8_t *xs = x + 8 * (size_t)*column;
        const uint32_t w0 = ep_read_s8x4(v), w1 = ep_read_s8x4(v + 4);
        const uint32_t x0 = ep_read_s8x4(xs), x1 = ep_read_s8x4(xs + 4);
        acc = ep_smlad(ep_sxtb16(w0), ep_sxtb16(x0), acc);
        acc = ep_smlad(ep_sxtb16_ror8(w0), ep_sxtb16_ror8(x0), acc);
        acc = ep_smlad(ep_sxtb16(w1), ep_sxtb16(x1), acc);
        acc = ep_smlad(ep_sxtb16_ror8(w1), ep_sxtb16_ror8(x1), acc);
    }
    return acc;
}
#endif

ep_status ep_fully_connected_s8_block(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *values = (const int8_t *)weights->values;
    const uint16_t *block_columns = (const uint16_t *)weights->columns;
    const int32_t *rows = weights->row_pointers;
    int32_t n = weights->rows, k = weights->cols, br = weights->p0, bc = weights->p1, b, o, j, i;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
#ifdef EP_HAS_DSP
        if (br == 1 && (bc == 4 || bc == 8)) {
            for (o = 0; o < n; o++) {
                const uint16_t *first = block_columns + rows[o], *end = block_columns + rows[o + 1];
                const int8_t *v = values + (size_t)rows[o] * (size_t)bc;
                int32_t acc = bc == 4 ? block_row_1x4(v, first, end, x, 0) : block_row_1x8(v, first, end, x, 0);
                *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
            }
            continue;
        }
#endif
        for (o = 0; o < n; o++) {
            int32_t block_row = o / br, in_block = o % br;
            int32_t acc = 0;
            for (j = rows[block_row]; j < rows[block_row + 1]; j++) {
                const int8_t *v = values + (size_t)j * (size_t)(br * bc) + (size_t)(in_block * bc);
                const int8_t *xs = x + (size_t)block_columns[j] * (size_t)bc;
#ifdef EP_HAS_DSP
                /* Other blocks a multiple of 4 wide: four MACs per word pair, two SMLADs (int32 sums, so the order is free). */
                if ((bc & 3) == 0) {
                    for (i = 0; i < bc; i += 4) {
                        const uint32_t w = ep_read_s8x4(v + i), xw = ep_read_s8x4(xs + i);
                        acc = ep_smlad(ep_sxtb16(w), ep_sxtb16(xw), acc);
                        acc = ep_smlad(ep_sxtb16_ror8(w), ep_sxtb16_ror8(xw), acc);
                    }
                    continue;
                }
#endif
                for (i = 0; i < bc; i++) {
                    acc += (int32_t)v[i] * (int32_t)xs[i];
                }
            }
            *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_s8_nofm(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *values = (const int8_t *)weights->values;
    const uint8_t *indices = weights->packed;
    int32_t n = weights->rows, k = weights->cols, kept = weights->p0, m = weights->p1, b, o, g, s;
    int32_t groups = k / m;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        int32_t slot = 0;
        for (o = 0; o < n; o++) {
            int32_t acc = 0;
            for (g = 0; g < groups; g++) {
                for (s = 0; s < kept; s++, slot++) {
                    int32_t position = (indices[slot >> 2] >> ((slot & 3) * 2)) & 3;
                    acc += (int32_t)values[slot] * (int32_t)x[g * m + position];
                }
            }
            *output++ = ep_requantize(q, ep_wrapping_add(acc, folded_bias[o]), o);
        }
    }
    return EP_OK;
}
