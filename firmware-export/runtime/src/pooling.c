/* Max / average / global average pooling (ep_pooling.h), element for element the .NET runtime's Kernels/Pooling.cs. */
#include "edgeprune/ep_pooling.h"

typedef struct {
    int32_t y0, y1, x0, x1, count;
} window;

static window bounds(const ep_conv_params *g, int32_t oy, int32_t ox, int count_include_pad)
{
    window w;
    int32_t ys = oy * g->stride_h - g->pad_top, xs = ox * g->stride_w - g->pad_left;
    int32_t ye = ys + g->kernel_h, xe = xs + g->kernel_w;
    w.y0 = ys > 0 ? ys : 0;
    w.y1 = ye < g->in_h ? ye : g->in_h;
    w.x0 = xs > 0 ? xs : 0;
    w.x1 = xe < g->in_w ? xe : g->in_w;
    if (count_include_pad) {
        int32_t yl = ye < g->in_h + g->pad_bottom ? ye : g->in_h + g->pad_bottom;
        int32_t xl = xe < g->in_w + g->pad_right ? xe : g->in_w + g->pad_right;
        w.count = (yl - ys) * (xl - xs);
    } else {
        w.count = (w.y1 - w.y0) * (w.x1 - w.x0);
    }
    if (w.count < 1) {
        w.count = 1;
    }
    return w;
}

/* TFLite: (sum ± count/2) / count with the nudge following the sum's sign, so halves round away from zero. */
static int8_t rounded_average(int32_t sum, int32_t count)
{
    int32_t v = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
}

ep_status ep_max_pool_s8(const ep_conv_params *g, const int8_t *input, int8_t *output)
{
    int32_t plane, oy, ox, iy, ix;
    for (plane = 0; plane < g->batch * g->in_channels; plane++) {
        const int8_t *x = input + (size_t)plane * (size_t)(g->in_h * g->in_w);
        for (oy = 0; oy < g->out_h; oy++) {
            for (ox = 0; ox < g->out_w; ox++) {
                window w = bounds(g, oy, ox, 0);
                int32_t max = -128;
                for (iy = w.y0; iy < w.y1; iy++) {
                    for (ix = w.x0; ix < w.x1; ix++) {
                        max = x[iy * g->in_w + ix] > max ? x[iy * g->in_w + ix] : max;
                    }
                }
                *output++ = (int8_t)max;
            }
        }
    }
    return EP_OK;
}

ep_status ep_average_pool_s8(const ep_conv_params *g, int count_include_pad, const int8_t *input, int8_t *output)
{
    int32_t plane, oy, ox, iy, ix;
    for (plane = 0; plane < g->batch * g->in_channels; plane++) {
        const int8_t *x = input + (size_t)plane * (size_t)(g->in_h * g->in_w);
        for (oy = 0; oy < g->out_h; oy++) {
            for (ox = 0; ox < g->out_w; ox++) {
                window w = bounds(g, oy, ox, count_include_pad);
                int32_t sum = 0;
                for (iy = w.y0; iy < w.y1; iy++) {
                    for (ix = w.x0; ix < w.x1; ix++) {
                        sum += x[iy * g->in_w + ix];
                    }
                }
                *output++ = rounded_average(sum, w.count);
            }
        }
    }
    return EP_OK;
}

ep_status ep_max_pool_f32(const ep_conv_params *g, const float *input, float *output)
{
    int32_t plane, oy, ox, iy, ix;
    for (plane = 0; plane < g->batch * g->in_channels; plane++) {
        const float *x = input + (size_t)plane * (size_t)(g->in_h * g->in_w);
        for (oy = 0; oy < g->out_h; oy++) {
            for (ox = 0; ox < g->out_w; ox++) {
                window w = bounds(g, oy, ox, 0);
                int first = 1;
                float max = 0.0f;
                for (iy = w.y0; iy < w.y1; iy++) {
                    for (ix = w.x0; ix < w.x1; ix++) {
                        float v = x[iy * g->in_w + ix];
                        if (first || v > max || v != v) {
                            max = v;
                            first = 0;
                        }
                    }
                }
                *output++ = max;
            }
        }
    }
    return EP_OK;
}

ep_status ep_average_pool_f32(const ep_conv_params *g, int count_include_pad, const float *input, float *output)
{
    int32_t plane, oy, ox, iy, ix;
    for (plane = 0; plane < g->batch * g->in_channels; plane++) {
        const float *x = input + (size_t)plane * (size_t)(g->in_h * g->in_w);
        for (oy = 0; oy < g->out_h; oy++) {
            for (ox = 0; ox < g->out_w; ox++) {
                window w = bounds(g, oy, ox, count_include_pad);
                float sum = 0.0f;
                for (iy = w.y0; iy < w.y1; iy++) {
                    for (ix = w.x0; ix < w.x1; ix++) {
                        sum += x[iy * g->in_w + ix];
                    }
                }
                *output++ = sum / (float)w.count;
            }
        }
    }
    return EP_OK;
}

ep_status ep_global_average_pool_s8(int32_t planes, int32_t plane_size, const int8_t *input, int8_t *output)
{
    int32_t p, i;
    for (p = 0; p < planes; p++) {
        int32_t sum = 0;
        for (i = 0; i < plane_size; i++) {
            sum += input[(size_t)p * (size_t)plane_size + (size_t)i];
        }
        output[p] = rounded_average(sum, plane_size);
    }
    return EP_OK;
}

ep_status ep_global_average_pool_f32(int32_t planes, int32_t plane_size, const float *input, float *output)
{
    int32_t p, i;
    for (p = 0; p < planes; p++) {
        float sum = 0.0f;
        for (i = 0; i < plane_size; i++) {
            sum += input[(size_t)p * (size_t)plane_size + (size_t)i];
        }
        output[p] = sum / (float)plane_size;
    }
    return EP_OK;
}
