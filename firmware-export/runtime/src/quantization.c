/* QuantizeLinear / DequantizeLinear per tensor with ONNX semantics (ep_elementwise.h), as Kernels/Quantization.cs. */
#include <math.h>

#include "edgeprune/ep_elementwise.h"

ep_status ep_quantize_f32_s8(int32_t count, float scale, int32_t zero_point, const float *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        /* rintf rounds half to even in the default rounding mode, as ONNX QuantizeLinear specifies. */
        float v = rintf(input[i] / scale) + (float)zero_point;
        output[i] = v != v ? (int8_t)zero_point : (int8_t)(v < -128.0f ? -128 : (v > 127.0f ? 127 : (int32_t)v));
    }
    return EP_OK;
}

ep_status ep_dequantize_s8_f32(int32_t count, float scale, int32_t zero_point, const int8_t *input, float *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        output[i] = (float)((int32_t)input[i] - zero_point) * scale;
    }
    return EP_OK;
}
