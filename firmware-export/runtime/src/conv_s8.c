/* int8 convolution (ep_conv.h), as TFLite's reference_integer_ops::ConvPerChannel loops: one output element at a
 * time, so no scratch memory; integer sums are exact, so the .NET runtime's tap-major order gives the same codes. */
#include "edgeprune/ep_conv.h"

#include "ep_requant.h"
#include "ep_weight_rows.h"

static int32_t weight_value(const ep_weights *w, int32_t index)
{
    if (w->encoding == EP_ENCODING_INT4) {
        int32_t nibble = (w->packed[index >> 1] >> ((index & 1) * 4)) & 0xF;
        return (nibble ^ 8) - 8;
    }
    return ((const int8_t *)w->values)[index];
}

static int32_t dense_output(const ep_conv_params *g, const ep_requant_s8 *q, const int8_t *x, const int8_t *filter, int32_t oy, int32_t ox)
{
    int32_t per_group = g->in_channels / g->groups;
    int32_t acc = 0, c, ky, kx;
    for (c = 0; c < per_group; c++) {
        const int8_t *plane = x + (size_t)c * (size_t)(g->in_h * g->in_w);
        for (ky = 0; ky < g->kernel_h; ky++) {
            int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
            if (iy < 0 || iy >= g->in_h) {
                continue;
            }
            for (kx = 0; kx < g->kernel_w; kx++) {
                int32_t ix = ox * g->stride_w - g->pad_left + kx * g->dilation_w;
                if (ix < 0 || ix >= g->in_w) {
                    continue;
                }
                acc += (int32_t)filter[(c * g->kernel_h + ky) * g->kernel_w + kx] * ((int32_t)plane[iy * g->in_w + ix] + q->input_offset);
            }
        }
    }
    return acc;
}

ep_status ep_conv_s8(const ep_conv_params *g, const ep_requant_s8 *q, const int8_t *input, const ep_weights *weights, const int32_t *bias, int8_t *output)
{
    int32_t in_per_group = g->in_channels / g->groups, out_per_group = g->out_channels / g->groups;
    int32_t area = g->kernel_h * g->kernel_w, in_plane = g->in_h * g->in_w;
    int32_t n, m, oy, ox, tap, value_index;
    for (n = 0; n < g->batch; n++) {
        int32_t bitmask_start = 0;
        for (m = 0; m < g->out_channels; m++) {
            const int8_t *x = input + (size_t)(n * g->in_channels + (m / out_per_group) * in_per_group) * (size_t)in_plane;
            ep_row_cursor start, cursor;
            ep_row_begin(&start, weights, m, bitmask_start);
            cursor = start;
            for (oy = 0; oy < g->out_h; oy++) {
                for (ox = 0; ox < g->out_w; ox++) {
                    int32_t acc = bias != NULL ? bias[m] : 0;
                    if (weights->encoding == EP_ENCODING_DENSE) {
                        acc += dense_output(g, q, x, (const int8_t *)weights->values + (size_t)m * (size_t)weights->cols, oy, ox);
                    } else {
                        cursor = start;
                        while (ep_row_next(&cursor, &tap, &value_index)) {
                            int32_t c = tap / area, ky = tap % area / g->kernel_w, kx = tap % g->kernel_w;
                            int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                            int32_t ix = ox * g->stride_w - g->pad_left + kx * g->dilation_w;
                            if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w) {
                                continue;
                            }
                            acc += weight_value(weights, value_index) * ((int32_t)x[c * in_plane + iy * g->in_w + ix] + q->input_offset);
                        }
                    }
                    output[((size_t)(n * g->out_channels + m) * (size_t)g->out_h + (size_t)oy) * (size_t)g->out_w + (size_t)ox] = ep_requantize(q, acc, m);
                }
            }
            bitmask_start = cursor.value;
        }
    }
    return EP_OK;
}
