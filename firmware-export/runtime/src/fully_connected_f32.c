/* fp32 FullyConnected, one function per weight encoding (ep_fully_connected.h). Sums run in the order of the
 * stored values; the .NET runtime's vectorized sums differ from these by float rounding only. */
#include "edgeprune/ep_fully_connected.h"

static float finish(const ep_activation_f32 *act, float acc, const float *bias, int32_t o)
{
    float y = acc + (bias != NULL ? bias[o] : 0.0f);
    if (y < act->min) {
        y = act->min;
    }
    if (y > act->max) {
        y = act->max;
    }
    return y;
}

ep_status ep_fully_connected_f32(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output)
{
    const float *w = (const float *)weights->values;
    int32_t n = weights->rows, k = weights->cols, b, o, i;
    for (b = 0; b < batch; b++) {
        const float *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            const float *row = w + (size_t)o * (size_t)k;
            float acc = 0.0f;
            for (i = 0; i < k; i++) {
                acc += row[i] * x[i];
            }
            *output++ = finish(act, acc, bias, o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_f32_bitmask(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output)
{
    const float *values = (const float *)weights->values;
    const uint8_t *mask = weights->packed;
    int32_t n = weights->rows, k = weights->cols, b, o, i;
    for (b = 0; b < batch; b++) {
        const float *x = input + (size_t)b * (size_t)k;
        const float *v = values;
        int32_t e = 0;
        for (o = 0; o < n; o++) {
            float acc = 0.0f;
            for (i = 0; i < k; i++, e++) {
                if (mask[e >> 3] & (1u << (e & 7))) {
                    acc += *v++ * x[i];
                }
            }
            *output++ = finish(act, acc, bias, o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_f32_csr8(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output)
{
    const float *values = (const float *)weights->values;
    const uint8_t *columns = (const uint8_t *)weights->columns;
    const int32_t *rows = weights->row_pointers;
    int32_t n = weights->rows, k = weights->cols, b, o, j;
    for (b = 0; b < batch; b++) {
        const float *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            float acc = 0.0f;
            for (j = rows[o]; j < rows[o + 1]; j++) {
                acc += values[j] * x[columns[j]];
            }
            *output++ = finish(act, acc, bias, o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_f32_csr16(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output)
{
    const float *values = (const float *)weights->values;
    const uint16_t *columns = (const uint16_t *)weights->columns;
    const int32_t *rows = weights->row_pointers;
    int32_t n = weights->rows, k = weights->cols, b, o, j;
    for (b = 0; b < batch; b++) {
        const float *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            float acc = 0.0f;
            for (j = rows[o]; j < rows[o + 1]; j++) {
                acc += values[j] * x[columns[j]];
            }
            *output++ = finish(act, acc, bias, o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_f32_block(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output)
{
    const float *values = (const float *)weights->values;
    const uint16_t *block_columns = (const uint16_t *)weights->columns;
    const int32_t *rows = weights->row_pointers;
    int32_t n = weights->rows, k = weights->cols, br = weights->p0, bc = weights->p1, b, o, j, i;
    for (b = 0; b < batch; b++) {
        const float *x = input + (size_t)b * (size_t)k;
        for (o = 0; o < n; o++) {
            int32_t block_row = o / br, in_block = o % br;
            float acc = 0.0f;
            for (j = rows[block_row]; j < rows[block_row + 1]; j++) {
                const float *v = values + (size_t)j * (size_t)(br * bc) + (size_t)(in_block * bc);
                const float *xs = x + (size_t)block_columns[j] * (size_t)bc;
                for (i = 0; i < bc; i++) {
                    acc += v[i] * xs[i];
                }
            }
            *output++ = finish(act, acc, bias, o);
        }
    }
    return EP_OK;
}

ep_status ep_fully_connected_f32_nofm(const ep_activation_f32 *act, int32_t batch, const float *input, const ep_weights *weights, const float *bias, float *output)
{
    const float *values = (const float *)weights->values;
    const uint8_t *indices = weights->packed;
    int32_t n = weights->rows, k = weights->cols, kept = weights->p0, m = weights->p1, b, o, g, s;
    int32_t groups = k / m;
    for (b = 0; b < batch; b++) {
        const float *x = input + (size_t)b * (size_t)k;
        int32_t slot = 0;
        for (o = 0; o < n; o++) {
            float acc = 0.0f;
            for (g = 0; g < groups; g++) {
                for (s = 0; s < kept; s++, slot++) {
                    int32_t position = (indices[slot >> 2] >> ((slot & 3) * 2)) & 3;
                    acc += values[slot] * x[g * m + position];
                }
            }
            *output++ = finish(act, acc, bias, o);
        }
    }
    return EP_OK;
}
