/* int8 Relu / Clip with equal input and output quantization: a clamp of the codes (ep_elementwise.h). */
#include "edgeprune/ep_elementwise.h"

ep_status ep_clamp_s8(int32_t count, int32_t min, int32_t max, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        int32_t v = input[i];
        output[i] = (int8_t)(v < min ? min : (v > max ? max : v));
    }
    return EP_OK;
}
