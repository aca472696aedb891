/* fp32 activations and Softmax (ep_elementwise.h); the only runtime files that need <math.h>. */
#include <math.h>

#include "edgeprune/ep_elementwise.h"

ep_status ep_relu_f32(int32_t count, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        output[i] = input[i] > 0.0f ? input[i] : 0.0f;
    }
    return EP_OK;
}

ep_status ep_clip_f32(int32_t count, float min, float max, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        float v = input[i];
        output[i] = v < min ? min : (v > max ? max : v);
    }
    return EP_OK;
}

ep_status ep_sigmoid_f32(int32_t count, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        output[i] = 1.0f / (1.0f + expf(-input[i]));
    }
    return EP_OK;
}

ep_status ep_tanh_f32(int32_t count, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        output[i] = tanhf(input[i]);
    }
    return EP_OK;
}

ep_status ep_leaky_relu_f32(int32_t count, float alpha, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        output[i] = input[i] >= 0.0f ? input[i] : input[i] * alpha;
    }
    return EP_OK;
}

ep_status ep_softmax_f32(int32_t outer, int32_t axis, int32_t inner, const float *input, float *output)
{
    int32_t o, i, a;
    for (o = 0; o < outer; o++) {
        for (i = 0; i < inner; i++) {
            size_t start = (size_t)o * (size_t)axis * (size_t)inner + (size_t)i;
            float max = -INFINITY, sum = 0.0f;
            for (a = 0; a < axis; a++) {
                float v = input[start + (size_t)a * (size_t)inner];
                max = v > max ? v : max;
            }
            for (a = 0; a < axis; a++) {
                float e = expf(input[start + (size_t)a * (size_t)inner] - max);
                output[start + (size_t)a * (size_t)inner] = e;
                sum += e;
            }
            for (a = 0; a < axis; a++) {
                output[start + (size_t)a * (size_t)inner] /= sum;
            }
        }
    }
    return EP_OK;
}
