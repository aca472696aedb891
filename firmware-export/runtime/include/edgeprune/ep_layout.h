/* Data movement that ignores element meaning (Reshape/Flatten/Squeeze as Copy, Concat, Transpose); sizes in bytes or elements as named. */
#ifndef EDGEPRUNE_EP_LAYOUT_H
#define EDGEPRUNE_EP_LAYOUT_H

#include "ep_types.h"
#include "ep_elementwise.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copies `bytes` bytes; the buffers may overlap. */
ep_status ep_copy(size_t bytes, const void *input, void *output);

/* One Concat input: for each of `outer` slices, its chunk_bytes go to byte output_offset of the output's output_chunk_bytes. */
ep_status ep_concat(int32_t outer, int32_t chunk_bytes, int32_t output_chunk_bytes, int32_t output_offset, const void *input, void *output);

/* output[i] = input[Σ index_d · permuted_strides[d]] over the output shape (rank <= EP_MAX_RANK); strides in elements. */
ep_status ep_transpose(int32_t element_size, int32_t rank, const int32_t *output_shape, const int32_t *permuted_strides, const void *input, void *output);

#ifdef __cplusplus
}
#endif

#endif
