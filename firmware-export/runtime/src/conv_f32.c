/* fp32 convolution (ep_conv.h): per output element, bias first, then the filter's stored taps in order — the
 * order of additions of the .NET runtime's tap-major loop, so results differ from it by its fused multiply-adds only. */
#include "edgeprune/ep_conv.h"

#include "ep_weight_rows.h"

ep_status ep_conv_f32(const ep_conv_params *g, const ep_activation_f32 *act, const float *input, const ep_weights *weights, const float *bias, float *output)
{
    const float *values = (const float *)weights->values;
    int32_t in_per_group = g->in_channels / g->groups, out_per_group = g->out_channels / g->groups;
    int32_t area = g->kernel_h * g->kernel_w, in_plane = g->in_h * g->in_w;
    int32_t n, m, oy, ox, tap, value_index;
    for (n = 0; n < g->batch; n++) {
        int32_t bitmask_start = 0;
        for (m = 0; m < g->out_channels; m++) {
            const float *x = input + (size_t)(n * g->in_channels + (m / out_per_group) * in_per_group) * (size_t)in_plane;
            ep_row_cursor start, cursor;
            ep_row_begin(&start, weights, m, bitmask_start);
            cursor = start;
            for (oy = 0; oy < g->out_h; oy++) {
                for (ox = 0; ox < g->out_w; ox++) {
                    float acc = bias != NULL ? bias[m] : 0.0f;
                    cursor = start;
                    while (ep_row_next(&cursor, &tap, &value_index)) {
                        int32_t c = tap / area, ky = tap % area / g->kernel_w, kx = tap % g->kernel_w;
                        int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                        int32_t ix = ox * g->stride_w - g->pad_left + kx * g->dilation_w;
                        if (values[value_index] == 0.0f || iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w) {
                            continue;
                        }
                        acc += values[value_index] * x[c * in_plane + iy * g->in_w + ix];
                    }
                    if (acc < act->min) {
                        acc = act->min;
                    }
                    if (acc > act->max) {
                        acc = act->max;
                    }
                    output[((size_t)(n * g->out_channels + m) * (size_t)g->out_h + (size_t)oy) * (size_t)g->out_w + (size_t)ox] = acc;
                }
            }
            bitmask_start = cursor.value;
        }
    }
    return EP_OK;
}
