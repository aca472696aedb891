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

ep_status ep_fully_connected_s8(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *w = (const int8_t *)weights->values;
    int32_t n = weights->rows, k = weights->cols, b, o;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
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

ep_status ep_fully_connected_s8_bitmask(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *values = (const int8_t *)weights->values;
    const uint8_t *mask = weights->packed;
    int32_t n = weights->rows, k = weights->cols, b, o, i;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        const int8_t *v = values;
        int32_t e = 0;
        for (o = 0; o < n; o++) {
            int32_t acc = 0;
            for (i = 0; i < k; i++, e++) {
                if (mask[e >> 3] & (1u << (e & 7))) {
                    acc += (int32_t)*v++ * (int32_t)x[i];
                }
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

ep_status ep_fully_connected_s8_block(const ep_requant_s8 *q, int32_t batch, const int8_t *input, const ep_weights *weights, const int32_t *folded_bias, int8_t *output)
{
    const int8_t *values = (const int8_t *)weights->values;
    const uint16_t *block_columns = (const uint16_t *)weights->columns;
    const int32_t *rows = weights->row_pointers;
    int32_t n = weights->rows, k = weights->cols, br = weights->p0, bc = weights->p1, b, o, j, i;
    for (b = 0; b < batch; b++) {
        const int8_t *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            int32_t block_row = o / br, in_block = o % br;
            int32_t acc = 0;
            for (j = rows[block_row]; j < rows[block_row + 1]; j++) {
                const int8_t *v = values + (size_t)j * (size_t)(br * bc) + (size_t)(in_block * bc);
                const int8_t *xs = x + (size_t)block_columns[j] * (size_t)bc;
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
