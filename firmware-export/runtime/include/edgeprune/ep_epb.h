/*
 * An interpreter that runs a .epb file (docs/format.md) held in memory, for firmware that swaps models without
 * recompiling a call sequence (`edgeprune export MODEL --format c --embed-epb`, docs/c-export.md "Embedded .epb").
 *
 * ep_epb_load validates the whole blob as the .NET reader does (magic, version, section table, every CRC-32, every
 * count, offset, length, shape, index and weight encoding, data flow, arena bounds and overlaps, each op's shapes and
 * types) and never reads outside [blob, blob + size); it then prepares one step per node in the caller's work buffer
 * (int8 requantization multipliers and folded biases, computed exactly as the .NET runtime does, in double). Weights
 * are used in place, never copied. ep_epb_invoke then only calls the runtime's kernels.
 *
 * No malloc and no globals: the caller owns the model struct, the work buffer (alive as long as the model is used) and
 * the arena. Both buffers must be aligned as an ep_epb_word: declare them as arrays of ep_epb_word.
 */
#ifndef EDGEPRUNE_EP_EPB_H
#define EDGEPRUNE_EP_EPB_H

#include <stddef.h>
#include <stdint.h>

#include "ep_types.h"
#include "ep_elementwise.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One distinct code per kind of problem; ep_epb_model.error_node names the node for the node-level ones. */
typedef enum {
    EP_EPB_OK = 0,
    EP_EPB_ERROR_ARGUMENT = 1,        /* a null pointer, or a blob, work or arena buffer not aligned as required */
    EP_EPB_ERROR_MAGIC = 2,           /* not an .epb file (first 8 bytes) or shorter than the header */
    EP_EPB_ERROR_VERSION = 3,         /* a major version other than 1 */
    EP_EPB_ERROR_LENGTH = 4,          /* the header's file length differs from the blob size (truncated or padded) */
    EP_EPB_ERROR_SECTION_TABLE = 5,   /* section count, bounds, order, alignment, a repeated, missing or unknown kind */
    EP_EPB_ERROR_CRC = 6,             /* the header or a section fails its CRC-32 */
    EP_EPB_ERROR_TENSORS = 7,         /* a tensor record: count, name, type, rank, shape or quantization */
    EP_EPB_ERROR_WEIGHTS = 8,         /* a constant's data ranges or encoding (lengths, indices, bit counts) */
    EP_EPB_ERROR_GRAPH = 9,           /* a node record: op code, tensor ref or attribute */
    EP_EPB_ERROR_ARENA = 10,          /* arena size, an entry's placement, or two live activations sharing bytes */
    EP_EPB_ERROR_METADATA = 11,       /* the metadata section: strings, input and output refs */
    EP_EPB_ERROR_DATA_FLOW = 12,      /* an activation read before it is written, or written twice */
    EP_EPB_ERROR_NODE = 13,           /* node error_node has shapes, types or attributes its op does not accept */
    EP_EPB_ERROR_UNSUPPORTED_OP = 14, /* node error_node has an op (or variant) this interpreter has no kernel for */
    EP_EPB_ERROR_MODEL_IO = 15,       /* the model has not exactly one input and one output */
    EP_EPB_ERROR_WORK_TOO_SMALL = 16, /* work_size is below ep_epb_model.work_bytes, which now holds what is needed */
    EP_EPB_ERROR_ARENA_TOO_SMALL = 17, /* ep_epb_invoke: arena_size is below ep_epb_model.arena_bytes */
    EP_EPB_ERROR_KERNEL = 18          /* a kernel refused its arguments (cannot happen for a model that loaded) */
} ep_epb_status;

/* The alignment the work and arena buffers need (pointers, doubles, 64-bit integers). */
typedef union {
    uint64_t u;
    double d;
    const void *p;
} ep_epb_word;

/* Element types, ONNX numbering as in the file. */
#define EP_EPB_FLOAT32 1
#define EP_EPB_INT8 3

/* The model's input or output: element type, shape and (int8) quantization, real = scale * (code - zero_point). */
typedef struct {
    uint8_t type;
    uint8_t rank;
    int32_t shape[8];
    int32_t elements;
    int32_t bytes;
    uint32_t arena_offset;
    float scale;
    int32_t zero_point;
} ep_epb_io;

/* The operands of an Add, Sub, Mul or Div: each in the arena (offset) or a constant in the blob, the broadcast, int8 parameters. */
typedef struct {
    ep_broadcast shape;
    ep_binary_s8_params params;
    const void *constant_a; /* NULL: a is in the arena at offset_a */
    const void *constant_b;
    uint32_t offset_a;
    uint32_t offset_b;
} ep_epb_binary;

/* One Concat input: in the arena (offset) or a constant in the blob, and where its chunks go in the output. */
typedef struct {
    const void *constant; /* NULL: in the arena at offset */
    uint32_t offset;
    int32_t chunk_bytes;
    int32_t output_offset;
} ep_epb_concat_input;

/* A Transpose: output shape, input strides in output order (elements), and its input when it is a constant. */
typedef struct {
    int32_t output_shape[8];
    int32_t permuted_strides[8];
    const void *constant;
} ep_epb_transpose;

/*
 * One prepared node. Its layout is the interpreter's own business; it is declared here only so that a static work
 * buffer can be sized at compile time (EP_EPB_WORK_BYTES_*).
 */
typedef struct ep_epb_step {
    uint8_t kind;
    uint8_t count_include_pad; /* AveragePool */
    uint32_t input_offset;     /* arena byte offsets */
    uint32_t output_offset;
    int32_t count;             /* elements; the batch of a FullyConnected; bytes of a Copy; planes of a global pool; Concat inputs; Transpose rank */
    ep_weights weights;        /* FullyConnected, Conv */
    const void *bias;          /* fp32 bias, int32 Conv bias or int8 FullyConnected folded bias; may be NULL */
    const ep_conv_params *geometry; /* Conv and pools, in the work buffer */
    const ep_epb_binary *binary;    /* Add, Sub, Mul, Div, in the work buffer */
    const ep_epb_concat_input *concat; /* Concat: count inputs, in the work buffer */
    const ep_epb_transpose *transpose; /* in the work buffer */
    ep_requant_s8 requant;
    ep_activation_f32 range;   /* fused or Clip range; LeakyRelu's alpha in min */
    float scale;               /* Quantize / Dequantize */
    int32_t zero_point;
    int32_t dims[3];           /* Softmax [outer, axis, inner]; Concat [outer, output chunk bytes]; Transpose [element size] */
} ep_epb_step;

/*
 * Work buffer bytes: the steps of a model of `nodes` nodes; per int8 FullyConnected or Conv of `channels` outputs its
 * multipliers and shifts; per int8 FullyConnected its folded biases; per Conv or pool its geometry; per Add, Sub, Mul or
 * Div its operands; per Concat of `inputs` inputs their places; per Transpose its shape and strides.
 */
#define EP_EPB_ROUND_UP(bytes) (((bytes) + sizeof(ep_epb_word) - 1) / sizeof(ep_epb_word) * sizeof(ep_epb_word))
#define EP_EPB_WORK_BYTES_STEPS(nodes) EP_EPB_ROUND_UP(sizeof(ep_epb_step) * (size_t)(nodes))
#define EP_EPB_WORK_BYTES_REQUANT(channels) (EP_EPB_ROUND_UP(4 * (size_t)(channels)) + EP_EPB_ROUND_UP((size_t)(channels)))
#define EP_EPB_WORK_BYTES_FOLDED_BIAS(channels) EP_EPB_ROUND_UP(4 * (size_t)(channels))
#define EP_EPB_WORK_BYTES_GEOMETRY EP_EPB_ROUND_UP(sizeof(ep_conv_params))
#define EP_EPB_WORK_BYTES_BINARY EP_EPB_ROUND_UP(sizeof(ep_epb_binary))
#define EP_EPB_WORK_BYTES_CONCAT(inputs) EP_EPB_ROUND_UP(sizeof(ep_epb_concat_input) * (size_t)(inputs))
#define EP_EPB_WORK_BYTES_TRANSPOSE EP_EPB_ROUND_UP(sizeof(ep_epb_transpose))

/* A loaded model, set by ep_epb_load; when it fails, work_bytes is set for EP_EPB_ERROR_WORK_TOO_SMALL and error_node for node errors. */
typedef struct {
    const ep_epb_step *steps; /* in the work buffer */
    uint32_t step_count;
    uint32_t arena_bytes;  /* bytes the arena passed to ep_epb_invoke needs */
    size_t work_bytes;     /* bytes of work buffer the model needs */
    int32_t error_node;    /* the node of an EP_EPB_ERROR_NODE / _UNSUPPORTED_OP, else -1 */
    ep_epb_io input;
    ep_epb_io output;
} ep_epb_model;

/*
 * Validates `size` bytes at `blob` (4-byte aligned; the file's 16-byte alignment then holds for every weight range) and
 * prepares the model into `work` (work_size bytes, aligned as an ep_epb_word). Pass work = NULL and work_size = 0 to
 * learn m->work_bytes: the blob is fully validated and EP_EPB_ERROR_WORK_TOO_SMALL returned. The blob must stay in
 * place and unchanged while the model is used.
 */
ep_epb_status ep_epb_load(ep_epb_model *m, const uint8_t *blob, size_t size, void *work, size_t work_size);

/*
 * Runs one inference: copies m->input.bytes from `input` into the arena, runs every step, copies m->output.bytes to
 * `output`. `arena` holds arena_size >= m->arena_bytes bytes, aligned as an ep_epb_word; it may be shared with other
 * code between calls (nothing in it survives from one call to the next).
 */
ep_epb_status ep_epb_invoke(const ep_epb_model *m, const void *input, void *output, uint8_t *arena, size_t arena_size);

#ifdef __cplusplus
}
#endif

#endif
