/* Copy, Concat and Transpose over raw bytes (ep_layout.h), as the .NET runtime's Kernels/Layout.cs. */
#include <string.h>

#include "edgeprune/ep_layout.h"

ep_status ep_copy(size_t bytes, const void *input, void *output)
{
    if (input != output) {
        memmove(output, input, bytes);
    }
    return EP_OK;
}

ep_status ep_concat(int32_t outer, int32_t chunk_bytes, int32_t output_chunk_bytes, int32_t output_offset, const void *input, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    int32_t o;
    for (o = 0; o < outer; o++) {
        memcpy(out + (size_t)o * (size_t)output_chunk_bytes + (size_t)output_offset, in + (size_t)o * (size_t)chunk_bytes, (size_t)chunk_bytes);
    }
    return EP_OK;
}

ep_status ep_transpose(int32_t element_size, int32_t rank, const int32_t *output_shape, const int32_t *permuted_strides, const void *input, void *output)
{
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    int32_t index[EP_MAX_RANK] = {0};
    int32_t count = 1, d, i, source = 0;
    if (rank > EP_MAX_RANK) {
        return EP_ERROR_ARGUMENT;
    }
    for (d = 0; d < rank; d++) {
        count *= output_shape[d];
    }
    for (i = 0; i < count; i++) {
        memcpy(out + (size_t)i * (size_t)element_size, in + (size_t)source * (size_t)element_size, (size_t)element_size);
        for (d = rank - 1; d >= 0; d--) {
            index[d]++;
            source += permuted_strides[d];
            if (index[d] < output_shape[d]) {
                break;
            }
            source -= permuted_strides[d] * output_shape[d];
            index[d] = 0;
        }
    }
    return EP_OK;
}
