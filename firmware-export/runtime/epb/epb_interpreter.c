/*
 * The .epb interpreter (ep_epb.h). Validation follows src/EdgePrune.Runtime/Format (EpbReader, ByteReader,
 * WeightView) and the engine's per-op checks; docs/format.md is the spec. Records are parsed through a cursor that
 * never reads past its section and turns every overrun into a sticky failure, and nothing is kept per tensor: a
 * tensor or node is found by re-reading its section, so load needs no memory but the prepared steps.
 */
#include <string.h>

#include "edgeprune/edgeprune.h"
#include "edgeprune/ep_epb.h"

#define MAX_SECTIONS 64u
#define HEADER_BYTES 32u
#define ENTRY_BYTES 32u
#define DATA_ALIGNMENT 16u
#define MAX_RANK 8u
#define MAX_ARENA_BYTES (1ul << 30)
#define NO_TENSOR 0xFFFFFFFFu

enum { SECTION_TENSORS = 1, SECTION_GRAPH = 2, SECTION_WEIGHTS = 3, SECTION_ARENA = 4, SECTION_METADATA = 5, SECTION_TREES = 6 };
enum { TYPE_FLOAT32 = 1, TYPE_INT8 = 3, TYPE_INT32 = 6 };
enum { KIND_ACTIVATION = 0, KIND_CONSTANT = 1 };
enum { QUANT_NONE = 0, QUANT_PER_TENSOR = 1, QUANT_PER_CHANNEL = 2 };
enum {
    OP_FULLY_CONNECTED = 1, OP_CONV = 2, OP_MAX_POOL = 3, OP_AVERAGE_POOL = 4, OP_GLOBAL_AVERAGE_POOL = 5, OP_ADD = 6, OP_MUL = 7,
    OP_SUB = 8, OP_DIV = 9, OP_RELU = 10, OP_CLIP = 11, OP_SIGMOID = 12, OP_TANH = 13, OP_LEAKY_RELU = 14,
    OP_SOFTMAX = 15, OP_COPY = 16, OP_CONCAT = 17, OP_TRANSPOSE = 18, OP_QUANTIZE = 19, OP_DEQUANTIZE = 20, OP_TREE_ENSEMBLE = 21,
    OP_LAST = 21
};
enum { ATTR_KERNEL_SHAPE = 1, ATTR_STRIDES = 2, ATTR_PADS = 3, ATTR_DILATIONS = 4, ATTR_GROUP = 5, ATTR_AXIS = 6, ATTR_PERM = 10, ATTR_COUNT_INCLUDE_PAD = 11, ATTR_ALPHA = 7, ATTR_MIN = 8, ATTR_MAX = 9, ATTR_ACTIVATION = 12, ATTR_SOFTMAX_SHAPE = 13, ATTR_LAST = 13 };

typedef enum {
    STEP_FC_F32, STEP_FC_S8, STEP_CONV_F32, STEP_CONV_S8, STEP_MAX_POOL_F32, STEP_MAX_POOL_S8, STEP_AVERAGE_POOL_F32,
    STEP_AVERAGE_POOL_S8, STEP_GLOBAL_AVERAGE_POOL_F32, STEP_GLOBAL_AVERAGE_POOL_S8, STEP_ADD_F32, STEP_SUB_F32, STEP_MUL_F32,
    STEP_DIV_F32, STEP_ADD_S8, STEP_SUB_S8, STEP_MUL_S8, STEP_CONCAT, STEP_TRANSPOSE, STEP_RELU_F32, STEP_CLIP_F32, STEP_SIGMOID_F32, STEP_TANH_F32, STEP_LEAKY_RELU_F32,
    STEP_SOFTMAX_F32, STEP_CLAMP_S8, STEP_COPY, STEP_QUANTIZE, STEP_DEQUANTIZE
} step_kind;


/* A little-endian reader over one section; any read past its end sets `failed` and returns zeros from then on. */
typedef struct {
    const uint8_t *data;
    uint32_t size;
    uint32_t pos;
    int failed;
} cursor;

typedef struct {
    uint32_t offset;
    uint32_t length;
} section;

typedef struct {
    const uint8_t *name;
    uint32_t name_length;
    uint8_t type;
    uint8_t kind;
    uint8_t rank;
    uint8_t quant;
    int32_t shape[MAX_RANK];
    int32_t elements;
    int32_t axis;
    uint32_t quant_count;
    const uint8_t *scales;      /* quant_count little-endian f32 */
    const uint8_t *zero_points; /* quant_count little-endian i32 */
    uint8_t encoding;
    int32_t p0;
    int32_t p1;
    int32_t stored;
    uint32_t range_count;
    const uint8_t *range[3];
    uint32_t range_length[3];
} tensor;

typedef struct {
    uint32_t op;
    uint32_t input_count;
    uint32_t output_count;
    const uint8_t *inputs;  /* input_count little-endian u32 refs */
    const uint8_t *outputs;
    uint32_t attribute_count;
    const uint8_t *attributes;
    uint32_t attributes_length;
} node;

typedef struct {
    const uint8_t *blob;
    section tensors, graph, weights, arena, metadata;
    uint32_t tensor_count;
    uint32_t node_count;
    uint32_t arena_bytes;
    uint32_t arena_entries;
    int has_trees;
    uint32_t input_count;
    const uint8_t *input_refs;
    uint32_t output_count;
    const uint8_t *output_refs;
    /* Where the last looked-up tensor and node records start, so walks in index order stay linear. */
    uint32_t tensor_cache_index, tensor_cache_pos;
    uint32_t node_cache_index, node_cache_pos;
} file;

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static int32_t as_i32(uint32_t v)
{
    return v <= 0x7FFFFFFFu ? (int32_t)v : -(int32_t)(~v) - 1;
}

static float as_f32(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static int is_finite(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return (bits & 0x7F800000u) != 0x7F800000u;
}

static int is_nan(float f)
{
    return f != f;
}

static const uint8_t *take(cursor *c, uint32_t n)
{
    const uint8_t *p;
    if (c->failed || n > c->size - c->pos) {
        c->failed = 1;
        return NULL;
    }
    p = c->data + c->pos;
    c->pos += n;
    return p;
}

static uint32_t read_u8(cursor *c)
{
    const uint8_t *p = take(c, 1);
    return p != NULL ? p[0] : 0u;
}

static uint32_t read_u16(cursor *c)
{
    const uint8_t *p = take(c, 2);
    return p != NULL ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) : 0u;
}

static uint32_t read_u32(cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p != NULL ? le32(p) : 0u;
}

static uint64_t read_u64(cursor *c)
{
    const uint8_t *p = take(c, 8);
    return p != NULL ? le64(p) : 0u;
}

/* A record count, refused when the rest of the section cannot hold that many records of min_bytes each. */
static uint32_t read_count(cursor *c, uint32_t min_bytes)
{
    uint32_t count = read_u32(c);
    if (!c->failed && count > (c->size - c->pos) / min_bytes) {
        c->failed = 1;
    }
    return c->failed ? 0u : count;
}

static int valid_utf8(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint32_t b = s[i], extra, code, k;
        if (b < 0x80u) {
            i++;
            continue;
        }
        if (b >= 0xC2u && b <= 0xDFu) {
            extra = 1;
            code = b & 0x1Fu;
        } else if (b >= 0xE0u && b <= 0xEFu) {
            extra = 2;
            code = b & 0x0Fu;
        } else if (b >= 0xF0u && b <= 0xF4u) {
            extra = 3;
            code = b & 0x07u;
        } else {
            return 0;
        }
        if (extra > n - i - 1) {
            return 0;
        }
        for (k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u) {
                return 0;
            }
            code = (code << 6) | (s[i + k] & 0x3Fu);
        }
        /* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8. */
        if ((extra == 2 && code < 0x800u) || (extra == 3 && (code < 0x10000u || code > 0x10FFFFu)) || (code >= 0xD800u && code <= 0xDFFFu)) {
            return 0;
        }
        i += extra + 1;
    }
    return 1;
}

/* A u16-length UTF-8 string; returns 0 when it runs past the section or is not UTF-8. */
static int read_string(cursor *c, const uint8_t **text, uint32_t *length)
{
    *length = read_u16(c);
    *text = take(c, *length);
    return !c->failed && valid_utf8(*text, *length);
}

/* zlib's CRC-32 (reflected 0xEDB88320), bitwise: slower than a table but no 1 KB of flash for a load-time check. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, uint32_t n)
{
    uint32_t i;
    int bit;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return crc;
}

static int element_size(uint8_t type)
{
    return type == TYPE_INT8 ? 1 : 4;
}

static int popcount8(uint32_t b)
{
    int n = 0;
    while (b != 0) {
        n += (int)(b & 1u);
        b >>= 1;
    }
    return n;
}

/* WeightView.Validate: the constant's ranges against the weights section and its encoding's layout. */
static ep_epb_status check_weights(const tensor *t)
{
    int32_t rows = t->shape[0], cols = t->elements / t->shape[0];
    /* Element counts stay below 2^28 (the reader's shape check), so divisions run in 32 bits: no 64-bit division
     * routine is linked. Products with the stored count run in 64 bits. */
    uint32_t size = (uint32_t)element_size(t->type), expected_ranges, elements = (uint32_t)t->elements;
    uint64_t nnz = (uint64_t)(uint32_t)t->stored;
    if (t->stored < 0) {
        return EP_EPB_ERROR_WEIGHTS;
    }
    switch (t->encoding) {
    case EP_ENCODING_DENSE:
    case EP_ENCODING_INT4:
        expected_ranges = 1;
        break;
    case EP_ENCODING_BITMASK:
    case EP_ENCODING_NOFM:
        expected_ranges = 2;
        break;
    case EP_ENCODING_CSR8:
    case EP_ENCODING_CSR16:
    case EP_ENCODING_BLOCK_SPARSE:
        expected_ranges = 3;
        break;
    default:
        return EP_EPB_ERROR_WEIGHTS;
    }
    if (t->range_count != expected_ranges) {
        return EP_EPB_ERROR_WEIGHTS;
    }
    switch (t->encoding) {
    case EP_ENCODING_DENSE:
        return t->range_length[0] == (uint64_t)elements * size ? EP_EPB_OK : EP_EPB_ERROR_WEIGHTS;
    case EP_ENCODING_INT4:
        return t->type == TYPE_INT8 && t->range_length[0] == (elements + 1) / 2 ? EP_EPB_OK : EP_EPB_ERROR_WEIGHTS;
    case EP_ENCODING_BITMASK: {
        uint64_t ones = 0;
        uint32_t i, full = elements / 8;
        if (t->range_length[0] != (elements + 7) / 8 || t->range_length[1] != nnz * size) {
            return EP_EPB_ERROR_WEIGHTS;
        }
        for (i = 0; i < full; i++) {
            ones += (uint64_t)popcount8(t->range[0][i]);
        }
        if (elements % 8 != 0) {
            uint32_t last = t->range[0][full];
            if ((last >> (elements % 8)) != 0) {
                return EP_EPB_ERROR_WEIGHTS;
            }
            ones += (uint64_t)popcount8(last);
        }
        return ones == nnz ? EP_EPB_OK : EP_EPB_ERROR_WEIGHTS;
    }
    case EP_ENCODING_NOFM: {
        uint32_t slots, g;
        int32_t n = t->p0, m = t->p1, s;
        if (n < 1 || m < n || m > 4 || cols % m != 0) {
            return EP_EPB_ERROR_WEIGHTS;
        }
        slots = elements / (uint32_t)m * (uint32_t)n;
        if (nnz != slots || t->range_length[0] != (slots + 3) / 4 || t->range_length[1] != (uint64_t)slots * size) {
            return EP_EPB_ERROR_WEIGHTS;
        }
        for (g = 0; g < slots / (uint32_t)n; g++) {
            int32_t previous = -1;
            for (s = 0; s < n; s++) {
                uint32_t slot = g * (uint32_t)n + (uint32_t)s;
                int32_t index = (int32_t)((t->range[0][slot >> 2] >> ((slot & 3u) * 2u)) & 3u);
                if (index >= m || index <= previous) {
                    return EP_EPB_ERROR_WEIGHTS;
                }
                previous = index;
            }
        }
        return EP_EPB_OK;
    }
    default: {
        int block = t->encoding == EP_ENCODING_BLOCK_SPARSE;
        int32_t br = block ? t->p0 : 1, bc = block ? t->p1 : 1, row_count, col_count, r;
        uint32_t index_bytes = t->encoding == EP_ENCODING_CSR8 ? 1u : 2u;
        if (br < 1 || bc < 1 || rows % br != 0 || cols % bc != 0) {
            return EP_EPB_ERROR_WEIGHTS;
        }
        row_count = rows / br;
        col_count = cols / bc;
        if (t->range_length[0] != ((uint64_t)row_count + 1) * 4 || t->range_length[1] != nnz * index_bytes
            || t->range_length[2] != nnz * (uint64_t)br * (uint64_t)bc * size) {
            return EP_EPB_ERROR_WEIGHTS;
        }
        if (le32(t->range[0]) != 0 || le32(t->range[0] + 4u * (uint32_t)row_count) != (uint32_t)t->stored) {
            return EP_EPB_ERROR_WEIGHTS;
        }
        for (r = 0; r < row_count; r++) {
            int32_t start = as_i32(le32(t->range[0] + 4u * (uint32_t)r)), end = as_i32(le32(t->range[0] + 4u * (uint32_t)r + 4u)), k;
            int32_t previous = -1;
            if (end < start || end > t->stored) {
                return EP_EPB_ERROR_WEIGHTS;
            }
            for (k = start; k < end; k++) {
                const uint8_t *p = t->range[1] + (uint32_t)k * index_bytes;
                int32_t col = index_bytes == 1 ? (int32_t)p[0] : (int32_t)(p[0] | (p[1] << 8));
                if (col >= col_count || col <= previous) {
                    return EP_EPB_ERROR_WEIGHTS;
                }
                previous = col;
            }
        }
        return EP_EPB_OK;
    }
    }
}

/*
 * Reads one tensor record (docs/format.md "Tensors section"). With check_contents the weight encoding's indices are
 * checked too (once, at the first walk); later look-ups of the same unchanged bytes skip that.
 */
static ep_epb_status read_tensor(const file *f, cursor *c, tensor *t, int check_contents)
{
    uint32_t d, i;
    uint64_t elements = 1;
    memset(t, 0, sizeof *t);
    if (!read_string(c, &t->name, &t->name_length)) {
        return EP_EPB_ERROR_TENSORS;
    }
    t->type = (uint8_t)read_u8(c);
    t->kind = (uint8_t)read_u8(c);
    t->rank = (uint8_t)read_u8(c);
    t->quant = (uint8_t)read_u8(c);
    if (c->failed || (t->type != TYPE_FLOAT32 && t->type != TYPE_INT8 && t->type != TYPE_INT32) || t->kind > KIND_CONSTANT
        || t->quant > QUANT_PER_CHANNEL || t->rank > MAX_RANK) {
        return EP_EPB_ERROR_TENSORS;
    }
    for (d = 0; d < t->rank; d++) {
        t->shape[d] = as_i32(read_u32(c));
        if (c->failed || t->shape[d] < 1) {
            return EP_EPB_ERROR_TENSORS;
        }
        elements *= (uint64_t)t->shape[d];
        if (elements * 4 > MAX_ARENA_BYTES) {
            return EP_EPB_ERROR_TENSORS;
        }
    }
    if (t->rank == 0) {
        /* The writer stores rank 0 as [1]; a rank-0 record is still one element. */
        t->shape[0] = 1;
    }
    t->elements = (int32_t)elements;
    if (t->quant != QUANT_NONE) {
        uint32_t expected;
        t->axis = as_i32(read_u32(c));
        t->quant_count = read_count(c, 8);
        if (t->quant == QUANT_PER_TENSOR) {
            if (t->axis != -1) {
                return EP_EPB_ERROR_TENSORS;
            }
            expected = 1;
        } else {
            if (t->axis < 0 || t->axis >= (int32_t)t->rank) {
                return EP_EPB_ERROR_TENSORS;
            }
            expected = (uint32_t)t->shape[t->axis];
        }
        if (c->failed || t->quant_count != expected) {
            return EP_EPB_ERROR_TENSORS;
        }
        t->scales = take(c, 4 * t->quant_count);
        t->zero_points = take(c, 4 * t->quant_count);
        if (c->failed) {
            return EP_EPB_ERROR_TENSORS;
        }
        for (i = 0; i < t->quant_count; i++) {
            float scale = as_f32(le32(t->scales + 4 * i));
            int32_t zero_point = as_i32(le32(t->zero_points + 4 * i));
            /* An all-zero weight channel may have scale 0; an activation's scale divides. */
            if (!is_finite(scale) || scale < 0.0f || (scale == 0.0f && t->kind == KIND_ACTIVATION) || zero_point < -128 || zero_point > 127) {
                return EP_EPB_ERROR_TENSORS;
            }
        }
    }
    if (t->kind == KIND_CONSTANT) {
        t->encoding = (uint8_t)read_u8(c);
        (void)read_u8(c);
        (void)read_u16(c);
        t->p0 = as_i32(read_u32(c));
        t->p1 = as_i32(read_u32(c));
        t->stored = as_i32(read_u32(c));
        t->range_count = read_count(c, 16);
        if (c->failed) {
            return EP_EPB_ERROR_TENSORS;
        }
        if (t->range_count > 3) {
            return EP_EPB_ERROR_WEIGHTS;
        }
        for (i = 0; i < t->range_count; i++) {
            uint64_t offset = read_u64(c), length = read_u64(c);
            if (offset > f->weights.length || length > f->weights.length - offset || offset % DATA_ALIGNMENT != 0) {
                return EP_EPB_ERROR_WEIGHTS;
            }
            t->range[i] = f->blob + f->weights.offset + (uint32_t)offset;
            t->range_length[i] = (uint32_t)length;
        }
        if (check_contents) {
            return check_weights(t);
        }
    }
    return EP_EPB_OK;
}

typedef ep_epb_status (*record_reader)(const file *f, cursor *c, void *record);

/*
 * Record `index` of a section of `count` variable-length records that start at byte 4 (tensors, nodes), re-read with
 * `read` (the section was validated by the first walk). The walk starts at the record last looked up when that one is
 * not past `index` (*cache_index, *cache_pos), so lookups in index order stay linear.
 */
static ep_epb_status record_at(const file *f, section s, uint32_t count, uint32_t index, uint32_t *cache_index, uint32_t *cache_pos,
    record_reader read, void *record, ep_epb_status out_of_range)
{
    cursor c;
    uint32_t i = 0;
    c.data = f->blob + s.offset;
    c.size = s.length;
    c.pos = 4;
    c.failed = 0;
    if (index >= count) {
        return out_of_range;
    }
    if (*cache_index <= index && *cache_pos != 0) {
        i = *cache_index;
        c.pos = *cache_pos;
    }
    for (;; i++) {
        uint32_t start = c.pos;
        ep_epb_status status = read(f, &c, record);
        if (status != EP_EPB_OK) {
            return status;
        }
        if (i == index) {
            *cache_index = index;
            *cache_pos = start;
            return EP_EPB_OK;
        }
    }
}

static ep_epb_status read_tensor_record(const file *f, cursor *c, void *record)
{
    return read_tensor(f, c, (tensor *)record, 0);
}

static ep_epb_status tensor_at(file *f, uint32_t index, tensor *t)
{
    return record_at(f, f->tensors, f->tensor_count, index, &f->tensor_cache_index, &f->tensor_cache_pos, read_tensor_record, t, EP_EPB_ERROR_TENSORS);
}

static uint32_t byte_count(const tensor *t)
{
    return (uint32_t)t->elements * (uint32_t)element_size(t->type);
}

/* Reads one node record (docs/format.md "Graph section"): op code, refs in range, attributes well formed. */
static ep_epb_status read_node(const file *f, cursor *c, node *n)
{
    uint32_t i, a;
    memset(n, 0, sizeof *n);
    n->op = read_u16(c);
    n->input_count = read_u8(c);
    n->output_count = read_u8(c);
    n->inputs = take(c, 4 * n->input_count);
    n->outputs = take(c, 4 * n->output_count);
    if (c->failed || n->op < 1 || n->op > OP_LAST) {
        return EP_EPB_ERROR_GRAPH;
    }
    for (i = 0; i < n->input_count; i++) {
        uint32_t ref = le32(n->inputs + 4 * i);
        if (ref != NO_TENSOR && ref >= f->tensor_count) {
            return EP_EPB_ERROR_GRAPH;
        }
    }
    for (i = 0; i < n->output_count; i++) {
        if (le32(n->outputs + 4 * i) >= f->tensor_count) {
            return EP_EPB_ERROR_GRAPH;
        }
    }
    n->attribute_count = read_u16(c);
    n->attributes = c->data + c->pos;
    for (a = 0; a < n->attribute_count; a++) {
        uint32_t id = read_u16(c), kind = read_u8(c), count, seen = 0;
        const uint8_t *p = n->attributes;
        (void)read_u8(c);
        count = read_u16(c);
        if (c->failed || id < 1 || id > ATTR_LAST || kind > 1 || take(c, count * (kind == 0 ? 8u : 4u)) == NULL) {
            return EP_EPB_ERROR_GRAPH;
        }
        /* An id appears at most once: compare with the attributes before this one. */
        while (seen < a) {
            uint32_t other = (uint32_t)p[0] | ((uint32_t)p[1] << 8);
            uint32_t other_count = (uint32_t)p[4] | ((uint32_t)p[5] << 8);
            if (other == id) {
                return EP_EPB_ERROR_GRAPH;
            }
            p += 6 + other_count * (p[2] == 0 ? 8u : 4u);
            seen++;
        }
    }
    n->attributes_length = (uint32_t)(c->data + c->pos - n->attributes);
    return EP_EPB_OK;
}

static ep_epb_status read_node_record(const file *f, cursor *c, void *record)
{
    return read_node(f, c, (node *)record);
}

static ep_epb_status node_at(file *f, uint32_t index, node *n)
{
    return record_at(f, f->graph, f->node_count, index, &f->node_cache_index, &f->node_cache_pos, read_node_record, n, EP_EPB_ERROR_GRAPH);
}

/* The attribute `id` of value kind `kind` (0 integers, 1 floats): its count and values, or NULL when absent. */
static const uint8_t *attribute(const node *n, uint32_t id, uint32_t kind, uint32_t *count)
{
    const uint8_t *p = n->attributes;
    uint32_t a;
    for (a = 0; a < n->attribute_count; a++) {
        uint32_t this_id = (uint32_t)p[0] | ((uint32_t)p[1] << 8), this_count = (uint32_t)p[4] | ((uint32_t)p[5] << 8);
        if (this_id == id && p[2] == kind) {
            *count = this_count;
            return p + 6;
        }
        p += 6 + this_count * (p[2] == 0 ? 8u : 4u);
    }
    *count = 0;
    return NULL;
}

/* NodeRecord.GetFloat: the default when absent, an error unless it holds exactly one value. */
static int attribute_float(const node *n, uint32_t id, float fallback, float *value)
{
    uint32_t count;
    const uint8_t *p = attribute(n, id, 1, &count);
    *value = p == NULL ? fallback : as_f32(le32(p));
    return p == NULL || count == 1;
}

static int attribute_int(const node *n, uint32_t id, int64_t fallback, int64_t *value)
{
    uint32_t count;
    const uint8_t *p = attribute(n, id, 0, &count);
    *value = p == NULL ? fallback : (int64_t)le64(p);
    return p == NULL || count == 1;
}

/* Whether the little-endian uint32 list `refs` of `count` tensor references holds `ref`. */
static int refs_contain(const uint8_t *refs, uint32_t count, uint32_t ref)
{
    uint32_t i;
    for (i = 0; i < count; i++) {
        if (le32(refs + 4 * i) == ref) {
            return 1;
        }
    }
    return 0;
}

/* The arena offset of activation `ref` (every activation has exactly one entry once the arena walk passed). */
static uint32_t arena_offset(const file *f, uint32_t ref)
{
    const uint8_t *entries = f->blob + f->arena.offset + 12;
    uint32_t i;
    for (i = 0; i < f->arena_entries; i++) {
        if (le32(entries + 12 * i) == ref) {
            return (uint32_t)le64(entries + 12 * i + 4);
        }
    }
    return 0;
}

/* Header and section table (EpbReader.ReadSectionTable). */
static ep_epb_status read_sections(file *f, size_t size)
{
    static const uint8_t magic[8] = { 0x45, 0x50, 0x42, 0x31, 0x0D, 0x0A, 0x1A, 0x0A };
    const uint8_t *blob = f->blob;
    uint32_t count, i, table_end, crc;
    uint32_t minor;
    uint64_t previous_end;
    uint8_t zero[4] = { 0, 0, 0, 0 };
    section *known[6];
    int present[7] = { 0, 0, 0, 0, 0, 0, 0 };
    if (size < HEADER_BYTES || memcmp(blob, magic, 8) != 0) {
        return EP_EPB_ERROR_MAGIC;
    }
    if ((blob[8] | (blob[9] << 8)) != 1) {
        return EP_EPB_ERROR_VERSION;
    }
    minor = (uint32_t)blob[10] | ((uint32_t)blob[11] << 8);
    count = le32(blob + 12);
    if (le64(blob + 16) != (uint64_t)size) {
        return EP_EPB_ERROR_LENGTH;
    }
    if (count > MAX_SECTIONS) {
        return EP_EPB_ERROR_SECTION_TABLE;
    }
    table_end = HEADER_BYTES + count * ENTRY_BYTES;
    if (table_end > size) {
        return EP_EPB_ERROR_SECTION_TABLE;
    }
    crc = crc32_update(0xFFFFFFFFu, blob, 24);
    crc = crc32_update(crc, zero, 4);
    crc = crc32_update(crc, blob + 28, table_end - 28) ^ 0xFFFFFFFFu;
    if (crc != le32(blob + 24)) {
        return EP_EPB_ERROR_CRC;
    }
    known[0] = &f->tensors;
    known[1] = &f->graph;
    known[2] = &f->weights;
    known[3] = &f->arena;
    known[4] = &f->metadata;
    known[5] = NULL;
    previous_end = table_end;
    for (i = 0; i < count; i++) {
        const uint8_t *entry = blob + HEADER_BYTES + i * ENTRY_BYTES;
        uint32_t kind = le32(entry);
        uint64_t offset = le64(entry + 8), length = le64(entry + 16);
        if (offset % DATA_ALIGNMENT != 0 || offset < previous_end || offset > (uint64_t)size || length > (uint64_t)size - offset) {
            return EP_EPB_ERROR_SECTION_TABLE;
        }
        previous_end = offset + length;
        if ((crc32_update(0xFFFFFFFFu, blob + offset, (uint32_t)length) ^ 0xFFFFFFFFu) != le32(entry + 24)) {
            return EP_EPB_ERROR_CRC;
        }
        if (kind >= SECTION_TENSORS && kind <= SECTION_TREES) {
            if (present[kind]) {
                return EP_EPB_ERROR_SECTION_TABLE;
            }
            present[kind] = 1;
            if (known[kind - 1] != NULL) {
                known[kind - 1]->offset = (uint32_t)offset;
                known[kind - 1]->length = (uint32_t)length;
            }
        } else if (minor <= 1) {
            /* An unknown kind in a version this reader knows is corruption; a newer minor may add skippable kinds. */
            return EP_EPB_ERROR_SECTION_TABLE;
        }
    }
    for (i = SECTION_TENSORS; i <= SECTION_METADATA; i++) {
        if (!present[i]) {
            return EP_EPB_ERROR_SECTION_TABLE;
        }
    }
    f->has_trees = present[SECTION_TREES];
    return EP_EPB_OK;
}

/* Every tensor record, in order, with weight contents and unique names (EpbReader.ReadTensors). */
static ep_epb_status read_all_tensors(file *f)
{
    cursor c;
    uint32_t i, j;
    c.data = f->blob + f->tensors.offset;
    c.size = f->tensors.length;
    c.pos = 0;
    c.failed = 0;
    f->tensor_count = read_count(&c, 6);
    if (c.failed) {
        return EP_EPB_ERROR_TENSORS;
    }
    for (i = 0; i < f->tensor_count; i++) {
        tensor t;
        ep_epb_status status = read_tensor(f, &c, &t, 1);
        if (status != EP_EPB_OK) {
            return status;
        }
    }
    /* Names are unique: each against every later one (quadratic, at load only). */
    for (i = 0; i < f->tensor_count; i++) {
        tensor a, b;
        if (tensor_at(f, i, &a) != EP_EPB_OK) {
            return EP_EPB_ERROR_TENSORS;
        }
        for (j = i + 1; j < f->tensor_count; j++) {
            if (tensor_at(f, j, &b) != EP_EPB_OK) {
                return EP_EPB_ERROR_TENSORS;
            }
            if (a.name_length == b.name_length && memcmp(a.name, b.name, a.name_length) == 0) {
                return EP_EPB_ERROR_TENSORS;
            }
        }
    }
    return EP_EPB_OK;
}

static ep_epb_status read_all_nodes(file *f)
{
    cursor c;
    uint32_t i, trees = 0;
    c.data = f->blob + f->graph.offset;
    c.size = f->graph.length;
    c.pos = 0;
    c.failed = 0;
    f->node_count = read_count(&c, 6);
    if (c.failed) {
        return EP_EPB_ERROR_GRAPH;
    }
    for (i = 0; i < f->node_count; i++) {
        node n;
        ep_epb_status status = read_node(f, &c, &n);
        if (status != EP_EPB_OK) {
            return status;
        }
        trees += n.op == OP_TREE_ENSEMBLE;
    }
    /* A trees section goes with exactly one TreeEnsemble node (which this interpreter then refuses by index). */
    return trees > 1 || (trees == 1) != f->has_trees ? EP_EPB_ERROR_GRAPH : EP_EPB_OK;
}

/* EpbReader.ReadArena: size, one aligned in-bounds entry per activation and none for constants. */
static ep_epb_status read_arena(file *f)
{
    cursor c;
    uint64_t arena_bytes;
    uint32_t i, j, activations = 0;
    c.data = f->blob + f->arena.offset;
    c.size = f->arena.length;
    c.pos = 0;
    c.failed = 0;
    arena_bytes = read_u64(&c);
    f->arena_entries = read_count(&c, 12);
    if (c.failed || arena_bytes > MAX_ARENA_BYTES) {
        return EP_EPB_ERROR_ARENA;
    }
    f->arena_bytes = (uint32_t)arena_bytes;
    for (i = 0; i < f->arena_entries; i++) {
        uint32_t ref = read_u32(&c);
        uint64_t offset = read_u64(&c);
        tensor t;
        if (c.failed || ref >= f->tensor_count || tensor_at(f, ref, &t) != EP_EPB_OK || t.kind != KIND_ACTIVATION
            || offset % DATA_ALIGNMENT != 0 || offset > arena_bytes || byte_count(&t) > arena_bytes - offset) {
            return EP_EPB_ERROR_ARENA;
        }
        for (j = 0; j < i; j++) {
            if (le32(c.data + 12 + 12 * j) == ref) {
                return EP_EPB_ERROR_ARENA;
            }
        }
    }
    for (i = 0; i < f->tensor_count; i++) {
        tensor t;
        if (tensor_at(f, i, &t) != EP_EPB_OK) {
            return EP_EPB_ERROR_TENSORS;
        }
        activations += t.kind == KIND_ACTIVATION;
    }
    /* Entries are distinct activations, so as many entries as activations means every activation has one. */
    return activations == f->arena_entries ? EP_EPB_OK : EP_EPB_ERROR_ARENA;
}

static ep_epb_status read_refs(file *f, cursor *c, const uint8_t **refs, uint32_t *count)
{
    uint32_t i;
    *count = read_count(c, 4);
    *refs = take(c, 4 * *count);
    if (c->failed) {
        return EP_EPB_ERROR_METADATA;
    }
    for (i = 0; i < *count; i++) {
        tensor t;
        uint32_t ref = le32(*refs + 4 * i);
        if (ref >= f->tensor_count || tensor_at(f, ref, &t) != EP_EPB_OK || t.kind != KIND_ACTIVATION) {
            return EP_EPB_ERROR_METADATA;
        }
    }
    return EP_EPB_OK;
}

static ep_epb_status read_metadata(file *f)
{
    cursor c;
    const uint8_t *text;
    uint32_t length, labels, i;
    ep_epb_status status;
    c.data = f->blob + f->metadata.offset;
    c.size = f->metadata.length;
    c.pos = 0;
    c.failed = 0;
    (void)take(&c, 32);
    if (!read_string(&c, &text, &length)) {
        return EP_EPB_ERROR_METADATA;
    }
    status = read_refs(f, &c, &f->input_refs, &f->input_count);
    if (status == EP_EPB_OK) {
        status = read_refs(f, &c, &f->output_refs, &f->output_count);
    }
    if (status != EP_EPB_OK) {
        return status;
    }
    labels = read_count(&c, 2);
    for (i = 0; i < labels; i++) {
        if (!read_string(&c, &text, &length)) {
            return EP_EPB_ERROR_METADATA;
        }
    }
    return c.failed ? EP_EPB_ERROR_METADATA : EP_EPB_OK;
}

/* EpbReader.CheckDataFlow: inputs listed once, activations read only after they are written, written once, outputs written. */
static ep_epb_status check_data_flow(file *f)
{
    uint32_t i, j, k, o;
    if (f->input_count == 0 || f->output_count == 0) {
        return EP_EPB_ERROR_DATA_FLOW;
    }
    for (i = 0; i < f->input_count; i++) {
        for (j = 0; j < i; j++) {
            if (le32(f->input_refs + 4 * i) == le32(f->input_refs + 4 * j)) {
                return EP_EPB_ERROR_DATA_FLOW;
            }
        }
    }
    for (i = 0; i < f->node_count; i++) {
        node n, earlier;
        if (node_at(f, i, &n) != EP_EPB_OK) {
            return EP_EPB_ERROR_GRAPH;
        }
        for (k = 0; k < n.input_count; k++) {
            uint32_t ref = le32(n.inputs + 4 * k);
            int written = 0;
            tensor t;
            if (ref == NO_TENSOR || tensor_at(f, ref, &t) != EP_EPB_OK || t.kind != KIND_ACTIVATION || refs_contain(f->input_refs, f->input_count, ref)) {
                continue;
            }
            for (j = 0; j < i && !written; j++) {
                if (node_at(f, j, &earlier) != EP_EPB_OK) {
                    return EP_EPB_ERROR_GRAPH;
                }
                written = refs_contain(earlier.outputs, earlier.output_count, ref);
            }
            if (!written) {
                return EP_EPB_ERROR_DATA_FLOW;
            }
        }
        if (node_at(f, i, &n) != EP_EPB_OK) {
            return EP_EPB_ERROR_GRAPH;
        }
        for (k = 0; k < n.output_count; k++) {
            uint32_t ref = le32(n.outputs + 4 * k);
            tensor t;
            if (tensor_at(f, ref, &t) != EP_EPB_OK || t.kind != KIND_ACTIVATION || refs_contain(f->input_refs, f->input_count, ref)) {
                return EP_EPB_ERROR_DATA_FLOW;
            }
            /* Written once: by no earlier output of this node and no earlier node. */
            for (o = 0; o < k; o++) {
                if (le32(n.outputs + 4 * o) == ref) {
                    return EP_EPB_ERROR_DATA_FLOW;
                }
            }
            for (j = 0; j < i; j++) {
                if (node_at(f, j, &earlier) != EP_EPB_OK) {
                    return EP_EPB_ERROR_GRAPH;
                }
                if (refs_contain(earlier.outputs, earlier.output_count, ref)) {
                    return EP_EPB_ERROR_DATA_FLOW;
                }
            }
            if (node_at(f, i, &n) != EP_EPB_OK) {
                return EP_EPB_ERROR_GRAPH;
            }
        }
    }
    for (i = 0; i < f->output_count; i++) {
        uint32_t ref = le32(f->output_refs + 4 * i);
        int written = 0;
        for (j = 0; j < f->node_count && !written; j++) {
            node n;
            if (node_at(f, j, &n) != EP_EPB_OK) {
                return EP_EPB_ERROR_GRAPH;
            }
            written = refs_contain(n.outputs, n.output_count, ref);
        }
        if (!written) {
            return EP_EPB_ERROR_DATA_FLOW;
        }
    }
    return EP_EPB_OK;
}

/* The steps activation `ref` is alive in (EpbReader.CheckArenaOverlaps); returns 0 when it never is. */
static int lifetime(file *f, uint32_t ref, uint32_t *first, uint32_t *last)
{
    uint32_t step;
    int live = refs_contain(f->input_refs, f->input_count, ref);
    *first = 0;
    *last = 0;
    for (step = 0; step < f->node_count; step++) {
        node n;
        if (node_at(f, step, &n) != EP_EPB_OK) {
            return 0;
        }
        if (live && refs_contain(n.inputs, n.input_count, ref)) {
            *last = step;
        }
        if (refs_contain(n.outputs, n.output_count, ref)) {
            live = 1;
            *first = step;
            *last = step;
        }
    }
    if (live && refs_contain(f->output_refs, f->output_count, ref)) {
        *last = f->node_count > 0 ? f->node_count - 1 : 0;
    }
    return live;
}

/* No two activations alive at a common step share arena bytes: kernels rely on inputs and outputs being disjoint. */
static ep_epb_status check_overlaps(file *f)
{
    uint32_t a, b;
    for (a = 0; a < f->tensor_count; a++) {
        tensor ta;
        uint32_t first_a, last_a, start_a;
        if (tensor_at(f, a, &ta) != EP_EPB_OK) {
            return EP_EPB_ERROR_TENSORS;
        }
        if (ta.kind != KIND_ACTIVATION || !lifetime(f, a, &first_a, &last_a)) {
            continue;
        }
        start_a = arena_offset(f, a);
        for (b = a + 1; b < f->tensor_count; b++) {
            tensor tb;
            uint32_t first_b, last_b, start_b;
            if (tensor_at(f, b, &tb) != EP_EPB_OK) {
                return EP_EPB_ERROR_TENSORS;
            }
            if (tb.kind != KIND_ACTIVATION) {
                continue;
            }
            start_b = arena_offset(f, b);
            if (start_a < start_b + byte_count(&tb) && start_b < start_a + byte_count(&ta) && lifetime(f, b, &first_b, &last_b)
                && first_a <= last_b && first_b <= last_a) {
                return EP_EPB_ERROR_ARENA;
            }
        }
    }
    return EP_EPB_OK;
}

/* The caller's work buffer, handed out front to back; `used` keeps counting past the end so load can say what it needs. */
typedef struct {
    uint8_t *base;
    size_t capacity;
    size_t used;
} work_buffer;

static void *reserve(work_buffer *w, size_t bytes)
{
    size_t start = w->used;
    void *p = NULL;
    w->used += (bytes + sizeof(ep_epb_word) - 1) / sizeof(ep_epb_word) * sizeof(ep_epb_word);
    if (w->base != NULL && w->used <= w->capacity) {
        p = w->base + start;
    }
    return p;
}

/* FixedPoint.QuantizeMultiplier: real = multiplier * 2^(shift - 31), TFLite's frexp and round half away from zero. */
static void quantize_multiplier(double real, int32_t *multiplier, int32_t *shift)
{
    uint64_t bits;
    double fraction;
    uint32_t q;
    int exponent = 0;
    *multiplier = 0;
    *shift = 0;
    if (real == 0.0) {
        return;
    }
    memcpy(&bits, &real, sizeof bits);
    if (((bits >> 52) & 0x7FFu) == 0) {
        /* A subnormal: scale into the normal range first, as FixedPoint.Frexp does. */
        real *= 18014398509481984.0; /* 2^54 */
        memcpy(&bits, &real, sizeof bits);
        exponent = -54;
    }
    exponent += (int)((bits >> 52) & 0x7FFu) - 1022;
    bits = (bits & ~((uint64_t)0x7FFu << 52)) | ((uint64_t)1022u << 52);
    memcpy(&fraction, &bits, sizeof fraction);
    /* fraction * 2^31 has at most 22 fraction bits, so adding one half is exact and truncation rounds half away. */
    q = (uint32_t)(fraction * 2147483648.0 + 0.5);
    if (q == 0x80000000u) {
        q /= 2;
        exponent++;
    }
    if (exponent < -31) {
        return;
    }
    *multiplier = (int32_t)q;
    *shift = exponent;
}

/* Requantization.ActivationRange: the real clamp [min, max] as int8 codes, zero point + round half away of x / scale. */
static int32_t quantize_bound(float v, float scale, int32_t zero_point)
{
    float x = v / scale, whole, rest;
    if (!(x >= -1e6f)) {
        x = -1e6f;
    }
    if (x > 1e6f) {
        x = 1e6f;
    }
    whole = (float)(int32_t)x;
    rest = x - whole;
    if (rest >= 0.5f) {
        whole += 1.0f;
    } else if (rest <= -0.5f) {
        whole -= 1.0f;
    }
    return zero_point + (int32_t)whole;
}

static void activation_range(float scale, int32_t zero_point, float min, float max, int32_t *low, int32_t *high)
{
    float infinity = as_f32(0x7F800000u);
    int32_t lo = min == -infinity ? -128 : quantize_bound(min, scale, zero_point);
    int32_t hi = max == infinity ? 127 : quantize_bound(max, scale, zero_point);
    lo = lo < -128 ? -128 : lo;
    hi = hi > 127 ? 127 : hi;
    *low = lo;
    *high = hi > lo ? hi : lo;
}

static int same_quantization(const tensor *a, const tensor *b)
{
    return a->quant == QUANT_PER_TENSOR && b->quant == QUANT_PER_TENSOR && le32(a->scales) == le32(b->scales)
        && le32(a->zero_points) == le32(b->zero_points);
}

static float scale_of(const tensor *t, uint32_t channel)
{
    return as_f32(le32(t->scales + 4 * (t->quant_count == 1 ? 0 : channel)));
}

/* The weight matrix as the kernels take it: ranges in the order of the encoding (ep_types.h). */
static void weights_of(const tensor *w, ep_weights *out)
{
    out->encoding = w->encoding;
    out->rows = w->shape[0];
    out->cols = w->elements / w->shape[0];
    out->p0 = w->p0;
    out->p1 = w->p1;
    out->values = NULL;
    out->packed = NULL;
    out->row_pointers = NULL;
    out->columns = NULL;
    switch (w->encoding) {
    case EP_ENCODING_DENSE:
        out->values = w->range[0];
        break;
    case EP_ENCODING_INT4:
        out->packed = w->range[0];
        break;
    case EP_ENCODING_BITMASK:
    case EP_ENCODING_NOFM:
        out->packed = w->range[0];
        out->values = w->range[1];
        break;
    default:
        out->row_pointers = (const int32_t *)(const void *)w->range[0];
        out->columns = w->range[1];
        out->values = w->range[2];
        break;
    }
}

/* Σ_k W[row, k] over the stored int8 values, in wrapping int32 (FullyConnectedInt8.FoldedBias), added into sums. */
static void add_row_sums(const ep_weights *w, uint32_t *sums)
{
    const int8_t *values = (const int8_t *)w->values;
    int32_t cols = w->cols, rows = w->rows, r, k, i, j;
    uint32_t e, elements = (uint32_t)rows * (uint32_t)cols, stored = 0;
    switch (w->encoding) {
    case EP_ENCODING_DENSE:
        for (e = 0; e < elements; e++) {
            sums[e / (uint32_t)cols] += (uint32_t)(int32_t)values[e];
        }
        break;
    case EP_ENCODING_INT4:
        for (e = 0; e < elements; e++) {
            int32_t nibble = (w->packed[e >> 1] >> ((e & 1u) * 4u)) & 0xF;
            sums[e / (uint32_t)cols] += (uint32_t)((nibble ^ 8) - 8);
        }
        break;
    case EP_ENCODING_BITMASK:
        for (e = 0; e < elements; e++) {
            if ((w->packed[e >> 3] >> (e & 7u)) & 1u) {
                sums[e / (uint32_t)cols] += (uint32_t)(int32_t)values[stored++];
            }
        }
        break;
    case EP_ENCODING_NOFM:
        /* Every slot of a group lies in the group's row (M divides the columns); spare slots hold zeros. */
        for (e = 0; e < elements / (uint32_t)w->p1 * (uint32_t)w->p0; e++) {
            sums[e / (uint32_t)w->p0 * (uint32_t)w->p1 / (uint32_t)cols] += (uint32_t)(int32_t)values[e];
        }
        break;
    default: {
        int32_t br = w->encoding == EP_ENCODING_BLOCK_SPARSE ? w->p0 : 1, bc = w->encoding == EP_ENCODING_BLOCK_SPARSE ? w->p1 : 1;
        for (r = 0; r < rows / br; r++) {
            for (k = w->row_pointers[r]; k < w->row_pointers[r + 1]; k++) {
                for (i = 0; i < br; i++) {
                    for (j = 0; j < bc; j++) {
                        sums[r * br + i] += (uint32_t)(int32_t)values[(k * br + i) * bc + j];
                    }
                }
            }
        }
        break;
    }
    }
}

/* The fused activation's real range (FusedRange.Of); 0 when the attribute is malformed. */
static int fused_range(const node *n, float *min, float *max)
{
    float infinity = as_f32(0x7F800000u);
    int64_t activation;
    *min = -infinity;
    *max = infinity;
    if (!attribute_int(n, ATTR_ACTIVATION, 0, &activation)) {
        return 0;
    }
    if (activation == 1) {
        *min = 0.0f;
    } else if (activation == 2) {
        return attribute_float(n, ATTR_MIN, -infinity, min) && attribute_float(n, ATTR_MAX, infinity, max) && !is_nan(*min) && !is_nan(*max) && *min <= *max;
    }
    return activation >= 0 && activation <= 2;
}

/*
 * Requantization.Create for an int8 FullyConnected or Conv of `channels` outputs: per-tensor input and output,
 * symmetric weights per tensor or per output channel; multipliers and shifts go to the work buffer.
 */
static ep_epb_status requantization(const tensor *x, const tensor *w, const tensor *y, int32_t channels, float min, float max, ep_requant_s8 *q, work_buffer *work)
{
    int32_t *multipliers = (int32_t *)reserve(work, 4 * (size_t)channels);
    int8_t *shifts = (int8_t *)reserve(work, (size_t)channels);
    float in_scale, out_scale;
    uint32_t c;
    if (x->type != TYPE_INT8 || w->type != TYPE_INT8 || y->type != TYPE_INT8 || x->quant != QUANT_PER_TENSOR || y->quant != QUANT_PER_TENSOR
        || w->quant == QUANT_NONE || (w->quant == QUANT_PER_CHANNEL && w->axis != 0)) {
        return EP_EPB_ERROR_NODE;
    }
    in_scale = scale_of(x, 0);
    out_scale = scale_of(y, 0);
    for (c = 0; c < w->quant_count; c++) {
        if (le32(w->zero_points + 4 * c) != 0) {
            return EP_EPB_ERROR_NODE;
        }
    }
    for (c = 0; c < (uint32_t)channels; c++) {
        int32_t multiplier, shift;
        quantize_multiplier((double)in_scale * (double)scale_of(w, c) / (double)out_scale, &multiplier, &shift);
        /* The kernels shift by at most 31 either way; a multiplier of 2^30 or more is no real model's. */
        if (shift > 30) {
            return EP_EPB_ERROR_NODE;
        }
        if (multipliers != NULL && shifts != NULL) {
            multipliers[c] = multiplier;
            shifts[c] = (int8_t)shift;
        }
    }
    q->multipliers = multipliers;
    q->shifts = shifts;
    q->input_offset = -as_i32(le32(x->zero_points));
    q->output_offset = as_i32(le32(y->zero_points));
    activation_range(out_scale, q->output_offset, min, max, &q->activation_min, &q->activation_max);
    return EP_EPB_OK;
}

/* FullyConnectedStep: x [..., K], W [N, K] constant, bias [N] dense, fused activation. */
static ep_epb_status fully_connected(file *f, const node *n, ep_epb_step *s, work_buffer *work)
{
    tensor x, w, y, bias;
    float min, max;
    int32_t rows, cols;
    int has_bias = n->input_count > 2 && le32(n->inputs + 8) != NO_TENSOR;
    if (n->input_count < 2 || n->input_count > 3 || n->output_count != 1 || le32(n->inputs) == NO_TENSOR || le32(n->inputs + 4) == NO_TENSOR
        || tensor_at(f, le32(n->inputs), &x) != EP_EPB_OK || tensor_at(f, le32(n->inputs + 4), &w) != EP_EPB_OK
        || tensor_at(f, le32(n->outputs), &y) != EP_EPB_OK || (has_bias && tensor_at(f, le32(n->inputs + 8), &bias) != EP_EPB_OK)) {
        return EP_EPB_ERROR_NODE;
    }
    if (x.kind != KIND_ACTIVATION) {
        return EP_EPB_ERROR_UNSUPPORTED_OP;
    }
    if (w.kind != KIND_CONSTANT || w.rank != 2) {
        return EP_EPB_ERROR_NODE;
    }
    rows = w.shape[0];
    cols = w.shape[1];
    if (x.rank < 1 || x.shape[x.rank - 1] != cols || y.rank != x.rank || y.shape[y.rank - 1] != rows
        || (int64_t)y.elements != (int64_t)(x.elements / cols) * rows) {
        return EP_EPB_ERROR_NODE;
    }
    if (has_bias && (bias.kind != KIND_CONSTANT || bias.elements != rows || bias.encoding != EP_ENCODING_DENSE)) {
        return EP_EPB_ERROR_NODE;
    }
    if (!fused_range(n, &min, &max)) {
        return EP_EPB_ERROR_NODE;
    }
    s->input_offset = arena_offset(f, le32(n->inputs));
    s->output_offset = arena_offset(f, le32(n->outputs));
    s->count = x.elements / cols;
    weights_of(&w, &s->weights);
    if (x.type == TYPE_FLOAT32) {
        if (w.type != TYPE_FLOAT32 || y.type != TYPE_FLOAT32 || (has_bias && bias.type != TYPE_FLOAT32) || w.encoding == EP_ENCODING_INT4) {
            return EP_EPB_ERROR_NODE;
        }
        s->kind = STEP_FC_F32;
        s->bias = has_bias ? bias.range[0] : NULL;
        s->range.min = min;
        s->range.max = max;
        return EP_EPB_OK;
    }
    if (has_bias && bias.type != TYPE_INT32) {
        return EP_EPB_ERROR_NODE;
    }
    {
        uint32_t c;
        int32_t in_zero = as_i32(le32(x.zero_points));
        int32_t *folded = (int32_t *)reserve(work, 4 * (size_t)rows);
        ep_epb_status status = requantization(&x, &w, &y, rows, min, max, &s->requant, work);
        if (status != EP_EPB_OK) {
            return status;
        }
        if (folded != NULL) {
            memset(folded, 0, 4 * (size_t)rows);
            add_row_sums(&s->weights, (uint32_t *)(void *)folded);
            for (c = 0; c < (uint32_t)rows; c++) {
                uint32_t b = has_bias ? le32(bias.range[0] + 4 * c) : 0u;
                folded[c] = as_i32(b + (uint32_t)(-in_zero) * (uint32_t)folded[c]);
            }
        }
        s->kind = STEP_FC_S8;
        s->bias = folded;
    }
    return EP_EPB_OK;
}

/* Step.IntsAttribute: `count` values in [min_value, 2^20], or all `fallback` when absent; 0 when malformed. */
static int ints_attribute(const node *n, uint32_t id, uint32_t count, int32_t fallback, int32_t min_value, int32_t *values)
{
    uint32_t present, i;
    const uint8_t *p = attribute(n, id, 0, &present);
    if (p != NULL && present != count) {
        return 0;
    }
    for (i = 0; i < count; i++) {
        int64_t v = p != NULL ? (int64_t)le64(p + 8 * i) : fallback;
        if (v < min_value || v > (1 << 20)) {
            return 0;
        }
        values[i] = (int32_t)v;
    }
    return 1;
}

/* The geometry of a Conv or pool, in the work buffer (written only when it fits). */
static ep_conv_params *geometry(work_buffer *work)
{
    return (ep_conv_params *)reserve(work, sizeof(ep_conv_params));
}

/*
 * ConvStep's floor formula along one axis, with its truncating division: the dilated kernel may exceed the padded
 * input by less than a stride and still give one output. 0 when no output fits.
 */
static int32_t conv_output(int32_t input, int32_t pad_begin, int32_t pad_end, int32_t dilation, int32_t kernel, int32_t stride)
{
    int64_t span = (int64_t)input + pad_begin + pad_end - (int64_t)dilation * (kernel - 1) - 1;
    if (span < 0) {
        return span > -(int64_t)stride ? 1 : 0;
    }
    return (int32_t)span / stride + 1;
}

/* ConvStep: x [N, C, (H,) W], W [M, C/group, (KH,) KW] constant, bias [M] dense, floor output shape. */
static ep_epb_status conv(file *f, const node *n, ep_epb_step *s, work_buffer *work)
{
    tensor x, w, y, bias;
    float min, max;
    int32_t strides[2], dilations[2], pads[4], rank, spatial, c, m;
    int64_t group;
    int32_t out_h, out_w;
    ep_conv_params g, *stored = geometry(work);
    int has_bias = n->input_count > 2 && le32(n->inputs + 8) != NO_TENSOR;
    if (n->input_count < 2 || n->input_count > 3 || n->output_count != 1 || le32(n->inputs) == NO_TENSOR || le32(n->inputs + 4) == NO_TENSOR
        || tensor_at(f, le32(n->inputs), &x) != EP_EPB_OK || tensor_at(f, le32(n->inputs + 4), &w) != EP_EPB_OK
        || tensor_at(f, le32(n->outputs), &y) != EP_EPB_OK || (has_bias && tensor_at(f, le32(n->inputs + 8), &bias) != EP_EPB_OK)) {
        return EP_EPB_ERROR_NODE;
    }
    if (x.kind != KIND_ACTIVATION) {
        return EP_EPB_ERROR_UNSUPPORTED_OP;
    }
    rank = x.rank;
    spatial = rank - 2;
    if ((rank != 3 && rank != 4) || w.kind != KIND_CONSTANT || w.rank != rank || y.rank != rank || !attribute_int(n, ATTR_GROUP, 1, &group)
        || !ints_attribute(n, ATTR_STRIDES, (uint32_t)spatial, 1, 1, strides) || !ints_attribute(n, ATTR_DILATIONS, (uint32_t)spatial, 1, 1, dilations)
        || !ints_attribute(n, ATTR_PADS, 2 * (uint32_t)spatial, 0, 0, pads) || !fused_range(n, &min, &max)) {
        return EP_EPB_ERROR_NODE;
    }
    c = x.shape[1];
    m = w.shape[0];
    if (group < 1 || group > c || c % (int32_t)group != 0 || m % (int32_t)group != 0 || w.shape[1] != c / (int32_t)group) {
        return EP_EPB_ERROR_NODE;
    }
    g.batch = x.shape[0];
    g.in_channels = c;
    g.in_h = spatial == 2 ? x.shape[2] : 1;
    g.in_w = x.shape[rank - 1];
    g.out_channels = m;
    g.kernel_h = spatial == 2 ? w.shape[2] : 1;
    g.kernel_w = w.shape[rank - 1];
    g.stride_h = spatial == 2 ? strides[0] : 1;
    g.stride_w = strides[spatial - 1];
    g.dilation_h = spatial == 2 ? dilations[0] : 1;
    g.dilation_w = dilations[spatial - 1];
    g.pad_top = spatial == 2 ? pads[0] : 0;
    g.pad_left = pads[spatial - 1];
    g.pad_bottom = spatial == 2 ? pads[2] : 0;
    g.pad_right = pads[2 * spatial - 1];
    g.groups = (int32_t)group;
    out_h = conv_output(g.in_h, g.pad_top, g.pad_bottom, g.dilation_h, g.kernel_h, g.stride_h);
    out_w = conv_output(g.in_w, g.pad_left, g.pad_right, g.dilation_w, g.kernel_w, g.stride_w);
    if (out_h < 1 || out_w < 1 || y.shape[0] != g.batch || y.shape[1] != m || (spatial == 2 && y.shape[2] != out_h) || y.shape[rank - 1] != out_w) {
        return EP_EPB_ERROR_NODE;
    }
    g.out_h = (int32_t)out_h;
    g.out_w = (int32_t)out_w;
    if (has_bias && (bias.kind != KIND_CONSTANT || bias.elements != m || bias.encoding != EP_ENCODING_DENSE)) {
        return EP_EPB_ERROR_NODE;
    }
    if (stored != NULL) {
        *stored = g;
    }
    s->geometry = stored;
    s->input_offset = arena_offset(f, le32(n->inputs));
    s->output_offset = arena_offset(f, le32(n->outputs));
    s->bias = has_bias ? bias.range[0] : NULL;
    weights_of(&w, &s->weights);
    if (x.type == TYPE_FLOAT32) {
        if (w.type != TYPE_FLOAT32 || y.type != TYPE_FLOAT32 || (has_bias && bias.type != TYPE_FLOAT32)) {
            return EP_EPB_ERROR_NODE;
        }
        s->kind = STEP_CONV_F32;
        s->range.min = min;
        s->range.max = max;
        return EP_EPB_OK;
    }
    if (has_bias && bias.type != TYPE_INT32) {
        return EP_EPB_ERROR_NODE;
    }
    s->kind = STEP_CONV_S8;
    return requantization(&x, &w, &y, m, min, max, &s->requant, work);
}

/*
 * The output size along one axis fits the floor or the ceil formula (PoolStep), with no window starting in the end
 * padding. Dimensions stay below 2^28 and pads, kernels and strides below 2^21, so sums fit 32 bits.
 */
static int pool_fits(int32_t input, int32_t k, int32_t stride, int32_t pad_begin, int32_t pad_end, int32_t output)
{
    int32_t span = input + pad_begin + pad_end;
    if (span < k) {
        return 0;
    }
    return (output == (span - k) / stride + 1 || output == (span - k + stride - 1) / stride + 1) && (int64_t)(output - 1) * stride < (int64_t)input + pad_begin;
}

/* PoolStep: MaxPool, AveragePool (kernel_shape, strides, pads, count_include_pad), GlobalAveragePool. */
static ep_epb_status pool(file *f, const node *n, ep_epb_step *s, work_buffer *work)
{
    tensor x, y;
    int32_t kernel[2], strides[2], pads[4], rank, spatial;
    int64_t include_pad;
    int int8;
    ep_conv_params g, *stored = n->op == OP_GLOBAL_AVERAGE_POOL ? NULL : geometry(work);
    if (n->input_count != 1 || n->output_count != 1 || le32(n->inputs) == NO_TENSOR || tensor_at(f, le32(n->inputs), &x) != EP_EPB_OK
        || tensor_at(f, le32(n->outputs), &y) != EP_EPB_OK) {
        return EP_EPB_ERROR_NODE;
    }
    rank = x.rank;
    spatial = rank - 2;
    int8 = x.type == TYPE_INT8;
    if ((rank != 3 && rank != 4) || y.rank != rank || x.kind != KIND_ACTIVATION || y.type != x.type || (x.type != TYPE_INT8 && x.type != TYPE_FLOAT32)
        || (int8 && !same_quantization(&x, &y)) || y.shape[0] != x.shape[0] || y.shape[1] != x.shape[1]) {
        return EP_EPB_ERROR_NODE;
    }
    memset(&g, 0, sizeof g);
    g.batch = x.shape[0];
    g.in_channels = x.shape[1];
    g.out_channels = x.shape[1];
    g.groups = x.shape[1];
    g.in_h = spatial == 2 ? x.shape[2] : 1;
    g.in_w = x.shape[rank - 1];
    s->input_offset = arena_offset(f, le32(n->inputs));
    s->output_offset = arena_offset(f, le32(n->outputs));
    if (n->op == OP_GLOBAL_AVERAGE_POOL) {
        if (y.elements != x.shape[0] * x.shape[1]) {
            return EP_EPB_ERROR_NODE;
        }
        s->kind = int8 ? STEP_GLOBAL_AVERAGE_POOL_S8 : STEP_GLOBAL_AVERAGE_POOL_F32;
        s->count = g.batch * g.in_channels;
        s->zero_point = g.in_h * g.in_w;
        return EP_EPB_OK;
    }
    if (!ints_attribute(n, ATTR_KERNEL_SHAPE, (uint32_t)spatial, 1, 1, kernel) || !ints_attribute(n, ATTR_STRIDES, (uint32_t)spatial, 1, 1, strides)
        || !ints_attribute(n, ATTR_PADS, 2 * (uint32_t)spatial, 0, 0, pads) || !attribute_int(n, ATTR_COUNT_INCLUDE_PAD, 0, &include_pad)) {
        return EP_EPB_ERROR_NODE;
    }
    g.kernel_h = spatial == 2 ? kernel[0] : 1;
    g.kernel_w = kernel[spatial - 1];
    g.stride_h = spatial == 2 ? strides[0] : 1;
    g.stride_w = strides[spatial - 1];
    g.pad_top = spatial == 2 ? pads[0] : 0;
    g.pad_left = pads[spatial - 1];
    g.pad_bottom = spatial == 2 ? pads[2] : 0;
    g.pad_right = pads[2 * spatial - 1];
    g.dilation_h = 1;
    g.dilation_w = 1;
    g.out_h = spatial == 2 ? y.shape[2] : 1;
    g.out_w = y.shape[rank - 1];
    if (g.pad_top >= g.kernel_h || g.pad_bottom >= g.kernel_h || g.pad_left >= g.kernel_w || g.pad_right >= g.kernel_w
        || !pool_fits(g.in_h, g.kernel_h, g.stride_h, g.pad_top, g.pad_bottom, g.out_h) || !pool_fits(g.in_w, g.kernel_w, g.stride_w, g.pad_left, g.pad_right, g.out_w)) {
        return EP_EPB_ERROR_NODE;
    }
    if (stored != NULL) {
        *stored = g;
    }
    s->geometry = stored;
    s->count_include_pad = include_pad != 0;
    if (n->op == OP_MAX_POOL) {
        s->kind = int8 ? STEP_MAX_POOL_S8 : STEP_MAX_POOL_F32;
    } else {
        s->kind = int8 ? STEP_AVERAGE_POOL_S8 : STEP_AVERAGE_POOL_F32;
    }
    return EP_EPB_OK;
}

/*
 * BinaryStep: Add, Sub, Mul, Div with numpy broadcasting (operands may be dense constants); int8 for Add, Sub and Mul
 * with BinaryInt8.Create's multipliers. The broadcast is kept per output dimension, as the call-sequence export emits it.
 */
static ep_epb_status binary(file *f, const node *n, ep_epb_step *s, work_buffer *work)
{
    tensor a, b, y;
    ep_epb_binary operands, *stored = (ep_epb_binary *)reserve(work, sizeof(ep_epb_binary));
    int32_t d, rank, stride_a = 1, stride_b = 1;
    if (n->input_count != 2 || n->output_count != 1 || le32(n->inputs) == NO_TENSOR || le32(n->inputs + 4) == NO_TENSOR
        || tensor_at(f, le32(n->inputs), &a) != EP_EPB_OK || tensor_at(f, le32(n->inputs + 4), &b) != EP_EPB_OK
        || tensor_at(f, le32(n->outputs), &y) != EP_EPB_OK) {
        return EP_EPB_ERROR_NODE;
    }
    rank = y.rank;
    if ((a.kind == KIND_CONSTANT && a.encoding != EP_ENCODING_DENSE) || (b.kind == KIND_CONSTANT && b.encoding != EP_ENCODING_DENSE)
        || b.type != a.type || y.type != a.type || (a.type != TYPE_FLOAT32 && a.type != TYPE_INT8) || a.rank > rank || b.rank > rank) {
        return EP_EPB_ERROR_NODE;
    }
    memset(&operands, 0, sizeof operands);
    operands.shape.rank = rank;
    for (d = rank - 1; d >= 0; d--) {
        int32_t da = d - (rank - a.rank) >= 0 ? a.shape[d - (rank - a.rank)] : 1;
        int32_t db = d - (rank - b.rank) >= 0 ? b.shape[d - (rank - b.rank)] : 1;
        if ((da != y.shape[d] && da != 1) || (db != y.shape[d] && db != 1)) {
            return EP_EPB_ERROR_NODE;
        }
        operands.shape.sizes[d] = y.shape[d];
        operands.shape.stride_a[d] = da == 1 ? 0 : stride_a;
        operands.shape.stride_b[d] = db == 1 ? 0 : stride_b;
        stride_a *= da;
        stride_b *= db;
    }
    operands.constant_a = a.kind == KIND_CONSTANT ? a.range[0] : NULL;
    operands.constant_b = b.kind == KIND_CONSTANT ? b.range[0] : NULL;
    operands.offset_a = a.kind == KIND_CONSTANT ? 0 : arena_offset(f, le32(n->inputs));
    operands.offset_b = b.kind == KIND_CONSTANT ? 0 : arena_offset(f, le32(n->inputs + 4));
    s->output_offset = arena_offset(f, le32(n->outputs));
    s->binary = stored;
    if (a.type == TYPE_FLOAT32) {
        s->kind = n->op == OP_ADD ? STEP_ADD_F32 : n->op == OP_SUB ? STEP_SUB_F32 : n->op == OP_MUL ? STEP_MUL_F32 : STEP_DIV_F32;
    } else {
        ep_binary_s8_params *p = &operands.params;
        float scale_a = scale_of(&a, 0), scale_b = scale_of(&b, 0), scale_out = scale_of(&y, 0);
        int32_t multiplier, shift;
        if (n->op == OP_DIV || a.quant != QUANT_PER_TENSOR || b.quant != QUANT_PER_TENSOR || y.quant != QUANT_PER_TENSOR) {
            return EP_EPB_ERROR_NODE;
        }
        p->offset_a = -as_i32(le32(a.zero_points));
        p->offset_b = -as_i32(le32(b.zero_points));
        p->output_offset = as_i32(le32(y.zero_points));
        if (n->op == OP_MUL) {
            quantize_multiplier((double)scale_a * (double)scale_b / (double)scale_out, &multiplier, &shift);
            /* As for FullyConnected: the kernels shift left by at most 30. */
            if (shift > 30) {
                return EP_EPB_ERROR_NODE;
            }
            s->kind = STEP_MUL_S8;
        } else {
            /* TFLite's Add: both inputs scaled to twice the larger scale, shifted left by 20 bits (BinaryInt8.AddLeftShift). */
            double twice_max = 2.0 * (double)(scale_a > scale_b ? scale_a : scale_b);
            quantize_multiplier((double)scale_a / twice_max, &p->multiplier_a, &p->shift_a);
            quantize_multiplier((double)scale_b / twice_max, &p->multiplier_b, &p->shift_b);
            quantize_multiplier(twice_max / ((double)(1 << 20) * (double)scale_out), &multiplier, &shift);
            /* The kernel divides by 2^-shift only: an output multiplier of 1 or more (shift above 0) is refused. */
            if (shift > 0) {
                return EP_EPB_ERROR_NODE;
            }
            s->kind = n->op == OP_ADD ? STEP_ADD_S8 : STEP_SUB_S8;
        }
        p->output_multiplier = multiplier;
        p->output_shift = shift;
    }
    if (stored != NULL) {
        *stored = operands;
    }
    return EP_EPB_OK;
}

/* ConcatStep: 1 to 64 inputs (dense constants allowed) joined along attribute axis; int8 inputs share the output's quantization. */
static ep_epb_status concat(file *f, const node *n, ep_epb_step *s, work_buffer *work)
{
    tensor x, y;
    ep_epb_concat_input *inputs = (ep_epb_concat_input *)reserve(work, sizeof(ep_epb_concat_input) * n->input_count);
    int64_t axis;
    int32_t outer = 1, inner, axis_sum = 0, d, rank;
    uint32_t i;
    if (n->input_count < 1 || n->input_count > 64 || n->output_count != 1 || tensor_at(f, le32(n->outputs), &y) != EP_EPB_OK
        || !attribute_int(n, ATTR_AXIS, -1, &axis) || axis < 0 || axis >= y.rank) {
        return EP_EPB_ERROR_NODE;
    }
    rank = y.rank;
    inner = element_size(y.type);
    for (d = 0; d < rank; d++) {
        if (d < axis) {
            outer *= y.shape[d];
        } else if (d > axis) {
            inner *= y.shape[d];
        }
    }
    for (i = 0; i < n->input_count; i++) {
        if (le32(n->inputs + 4 * i) == NO_TENSOR || tensor_at(f, le32(n->inputs + 4 * i), &x) != EP_EPB_OK || x.type != y.type || x.rank != rank
            || (x.kind == KIND_CONSTANT && x.encoding != EP_ENCODING_DENSE) || (y.type == TYPE_INT8 && !same_quantization(&x, &y))) {
            return EP_EPB_ERROR_NODE;
        }
        for (d = 0; d < rank; d++) {
            if (d != axis && x.shape[d] != y.shape[d]) {
                return EP_EPB_ERROR_NODE;
            }
        }
        if (inputs != NULL) {
            inputs[i].constant = x.kind == KIND_CONSTANT ? x.range[0] : NULL;
            inputs[i].offset = x.kind == KIND_CONSTANT ? 0 : arena_offset(f, le32(n->inputs + 4 * i));
            inputs[i].chunk_bytes = x.shape[axis] * inner;
            inputs[i].output_offset = axis_sum * inner;
        }
        axis_sum += x.shape[axis];
        if (axis_sum > y.shape[axis]) {
            return EP_EPB_ERROR_NODE;
        }
    }
    if (axis_sum != y.shape[axis]) {
        return EP_EPB_ERROR_NODE;
    }
    s->kind = STEP_CONCAT;
    s->concat = inputs;
    s->count = (int32_t)n->input_count;
    s->output_offset = arena_offset(f, le32(n->outputs));
    s->dims[0] = outer;
    s->dims[1] = y.shape[axis] * inner;
    return EP_EPB_OK;
}

/* TransposeStep: attribute perm a permutation of the axes, the output the input permuted by it. */
static ep_epb_status transpose(file *f, const node *n, ep_epb_step *s, work_buffer *work)
{
    tensor x, y;
    ep_epb_transpose t, *stored = (ep_epb_transpose *)reserve(work, sizeof(ep_epb_transpose));
    int32_t perm[MAX_RANK], strides[MAX_RANK], d, e, rank, stride = 1;
    if (n->input_count != 1 || n->output_count != 1 || le32(n->inputs) == NO_TENSOR || tensor_at(f, le32(n->inputs), &x) != EP_EPB_OK
        || tensor_at(f, le32(n->outputs), &y) != EP_EPB_OK || y.type != x.type || (x.kind == KIND_CONSTANT && x.encoding != EP_ENCODING_DENSE)
        || (x.type == TYPE_INT8 && !same_quantization(&x, &y)) || y.rank != x.rank) {
        return EP_EPB_ERROR_NODE;
    }
    rank = x.rank;
    if (!ints_attribute(n, ATTR_PERM, (uint32_t)rank, 0, 0, perm)) {
        return EP_EPB_ERROR_NODE;
    }
    for (d = rank - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= x.shape[d];
    }
    memset(&t, 0, sizeof t);
    for (d = 0; d < rank; d++) {
        /* A permutation: every value below the rank, none twice. */
        if (perm[d] >= rank || y.shape[d] != x.shape[perm[d]]) {
            return EP_EPB_ERROR_NODE;
        }
        for (e = 0; e < d; e++) {
            if (perm[e] == perm[d]) {
                return EP_EPB_ERROR_NODE;
            }
        }
        t.output_shape[d] = y.shape[d];
        t.permuted_strides[d] = strides[perm[d]];
    }
    t.constant = x.kind == KIND_CONSTANT ? x.range[0] : NULL;
    if (stored != NULL) {
        *stored = t;
    }
    s->kind = STEP_TRANSPOSE;
    s->transpose = stored;
    s->count = rank;
    s->dims[0] = element_size(x.type);
    s->input_offset = x.kind == KIND_CONSTANT ? 0 : arena_offset(f, le32(n->inputs));
    s->output_offset = arena_offset(f, le32(n->outputs));
    return EP_EPB_OK;
}

/* Relu, Clip, Sigmoid, Tanh, LeakyRelu, Softmax, Copy, Quantize, Dequantize: one activation in, one out (UnaryStep, CopyStep, QuantizeStep). */
static ep_epb_status one_in_one_out(file *f, const node *n, ep_epb_step *s)
{
    tensor x, y;
    float infinity = as_f32(0x7F800000u), min, max, alpha;
    if (n->input_count != 1 || n->output_count != 1 || le32(n->inputs) == NO_TENSOR || tensor_at(f, le32(n->inputs), &x) != EP_EPB_OK
        || tensor_at(f, le32(n->outputs), &y) != EP_EPB_OK || x.elements != y.elements) {
        return EP_EPB_ERROR_NODE;
    }
    if (x.kind != KIND_ACTIVATION) {
        return EP_EPB_ERROR_UNSUPPORTED_OP;
    }
    s->input_offset = arena_offset(f, le32(n->inputs));
    s->output_offset = arena_offset(f, le32(n->outputs));
    s->count = x.elements;
    if (n->op == OP_COPY) {
        if (x.type != y.type || (x.type == TYPE_INT8 && !same_quantization(&x, &y))) {
            return EP_EPB_ERROR_NODE;
        }
        s->kind = STEP_COPY;
        s->count = (int32_t)byte_count(&x);
        return EP_EPB_OK;
    }
    if (n->op == OP_QUANTIZE || n->op == OP_DEQUANTIZE) {
        const tensor *q = n->op == OP_QUANTIZE ? &y : &x;
        if (x.type != (n->op == OP_QUANTIZE ? TYPE_FLOAT32 : TYPE_INT8) || y.type != (n->op == OP_QUANTIZE ? TYPE_INT8 : TYPE_FLOAT32)
            || q->quant != QUANT_PER_TENSOR) {
            return EP_EPB_ERROR_NODE;
        }
        s->kind = n->op == OP_QUANTIZE ? STEP_QUANTIZE : STEP_DEQUANTIZE;
        s->scale = scale_of(q, 0);
        s->zero_point = as_i32(le32(q->zero_points));
        return EP_EPB_OK;
    }
    if (y.type != x.type) {
        return EP_EPB_ERROR_NODE;
    }
    min = 0.0f;
    max = infinity;
    if (n->op != OP_RELU && (!attribute_float(n, ATTR_MIN, -infinity, &min) || !attribute_float(n, ATTR_MAX, infinity, &max))) {
        return EP_EPB_ERROR_NODE;
    }
    if (!attribute_float(n, ATTR_ALPHA, 0.01f, &alpha) || is_nan(min) || is_nan(max) || min > max) {
        return EP_EPB_ERROR_NODE;
    }
    if (n->op == OP_SOFTMAX) {
        uint32_t count, d;
        const uint8_t *shape = attribute(n, ATTR_SOFTMAX_SHAPE, 0, &count);
        int64_t product = 1;
        /* Absent, the shape is [1, 1, 1] (UnaryStep's default), which then has to cover the whole input. */
        if (shape != NULL && count != 3) {
            return EP_EPB_ERROR_NODE;
        }
        for (d = 0; d < 3; d++) {
            int64_t v = shape != NULL ? (int64_t)le64(shape + 8 * d) : 1;
            if (v < 1 || v > (1 << 20)) {
                return EP_EPB_ERROR_NODE;
            }
            s->dims[d] = (int32_t)v;
            product *= v;
        }
        if (product != x.elements) {
            return EP_EPB_ERROR_NODE;
        }
    }
    if (x.type == TYPE_INT8) {
        if (n->op != OP_RELU && n->op != OP_CLIP) {
            return EP_EPB_ERROR_NODE;
        }
        if (!same_quantization(&x, &y)) {
            return EP_EPB_ERROR_NODE;
        }
        s->kind = STEP_CLAMP_S8;
        activation_range(scale_of(&y, 0), as_i32(le32(y.zero_points)), min, max, &s->requant.activation_min, &s->requant.activation_max);
        return EP_EPB_OK;
    }
    if (x.type != TYPE_FLOAT32) {
        return EP_EPB_ERROR_NODE;
    }
    s->range.min = n->op == OP_LEAKY_RELU ? alpha : min;
    s->range.max = max;
    switch (n->op) {
    case OP_RELU: s->kind = STEP_RELU_F32; break;
    case OP_CLIP: s->kind = STEP_CLIP_F32; break;
    case OP_SIGMOID: s->kind = STEP_SIGMOID_F32; break;
    case OP_TANH: s->kind = STEP_TANH_F32; break;
    case OP_LEAKY_RELU: s->kind = STEP_LEAKY_RELU_F32; break;
    default: s->kind = STEP_SOFTMAX_F32; break;
    }
    return EP_EPB_OK;
}

static ep_epb_status prepare_io(file *f, uint32_t ref, ep_epb_io *io)
{
    tensor t;
    uint32_t d;
    if (tensor_at(f, ref, &t) != EP_EPB_OK || (t.type != TYPE_FLOAT32 && t.type != TYPE_INT8) || (t.type == TYPE_INT8 && t.quant != QUANT_PER_TENSOR)) {
        return EP_EPB_ERROR_MODEL_IO;
    }
    io->type = t.type;
    io->rank = t.rank;
    for (d = 0; d < MAX_RANK; d++) {
        io->shape[d] = d < t.rank ? t.shape[d] : 0;
    }
    io->elements = t.elements;
    io->bytes = (int32_t)byte_count(&t);
    io->arena_offset = arena_offset(f, ref);
    io->scale = t.quant == QUANT_PER_TENSOR ? scale_of(&t, 0) : 0.0f;
    io->zero_point = t.quant == QUANT_PER_TENSOR ? as_i32(le32(t.zero_points)) : 0;
    return EP_EPB_OK;
}

ep_epb_status ep_epb_load(ep_epb_model *m, const uint8_t *blob, size_t size, void *work, size_t work_size)
{
    struct alignment_probe {
        char c;
        ep_epb_word w;
    };
    const uint32_t one = 1;
    file f;
    work_buffer buffer;
    ep_epb_step *steps;
    ep_epb_status status;
    uint32_t i;
    if (m == NULL) {
        return EP_EPB_ERROR_ARGUMENT;
    }
    memset(m, 0, sizeof *m);
    m->error_node = -1;
    /* Weights are used in place as int32 and float arrays: a little-endian CPU and 4-byte alignment. */
    if (blob == NULL || ((uintptr_t)blob & 3u) != 0 || ((uintptr_t)work % offsetof(struct alignment_probe, w)) != 0
        || (work == NULL && work_size != 0) || *(const uint8_t *)&one != 1) {
        return EP_EPB_ERROR_ARGUMENT;
    }
    if (size > 0x7FFFFFFFu) {
        return EP_EPB_ERROR_LENGTH;
    }
    memset(&f, 0, sizeof f);
    f.blob = blob;
    status = read_sections(&f, size);
    if (status == EP_EPB_OK) {
        status = read_all_tensors(&f);
    }
    if (status == EP_EPB_OK) {
        status = read_all_nodes(&f);
    }
    if (status == EP_EPB_OK) {
        status = read_arena(&f);
    }
    if (status == EP_EPB_OK) {
        status = read_metadata(&f);
    }
    if (status == EP_EPB_OK) {
        status = check_data_flow(&f);
    }
    if (status == EP_EPB_OK) {
        status = check_overlaps(&f);
    }
    if (status != EP_EPB_OK) {
        return status;
    }
    if (f.input_count != 1 || f.output_count != 1) {
        return EP_EPB_ERROR_MODEL_IO;
    }
    status = prepare_io(&f, le32(f.input_refs), &m->input);
    if (status == EP_EPB_OK) {
        status = prepare_io(&f, le32(f.output_refs), &m->output);
    }
    if (status != EP_EPB_OK) {
        return status;
    }

    buffer.base = (uint8_t *)work;
    buffer.capacity = work_size;
    buffer.used = 0;
    steps = (ep_epb_step *)reserve(&buffer, sizeof(ep_epb_step) * (size_t)f.node_count);
    for (i = 0; i < f.node_count; i++) {
        node n;
        ep_epb_step s;
        memset(&s, 0, sizeof s);
        if (node_at(&f, i, &n) != EP_EPB_OK) {
            return EP_EPB_ERROR_GRAPH;
        }
        switch (n.op) {
        case OP_FULLY_CONNECTED:
            status = fully_connected(&f, &n, &s, &buffer);
            break;
        case OP_CONV:
            status = conv(&f, &n, &s, &buffer);
            break;
        case OP_MAX_POOL:
        case OP_AVERAGE_POOL:
        case OP_GLOBAL_AVERAGE_POOL:
            status = pool(&f, &n, &s, &buffer);
            break;
        case OP_ADD:
        case OP_SUB:
        case OP_MUL:
        case OP_DIV:
            status = binary(&f, &n, &s, &buffer);
            break;
        case OP_CONCAT:
            status = concat(&f, &n, &s, &buffer);
            break;
        case OP_TRANSPOSE:
            status = transpose(&f, &n, &s, &buffer);
            break;
        case OP_RELU:
        case OP_CLIP:
        case OP_SIGMOID:
        case OP_TANH:
        case OP_LEAKY_RELU:
        case OP_SOFTMAX:
        case OP_COPY:
        case OP_QUANTIZE:
        case OP_DEQUANTIZE:
            status = one_in_one_out(&f, &n, &s);
            break;
        default:
            status = EP_EPB_ERROR_UNSUPPORTED_OP;
            break;
        }
        if (status != EP_EPB_OK) {
            m->error_node = (int32_t)i;
            return status;
        }
        if (steps != NULL) {
            steps[i] = s;
        }
    }
    m->work_bytes = buffer.used;
    if (buffer.base == NULL || buffer.used > buffer.capacity) {
        return EP_EPB_ERROR_WORK_TOO_SMALL;
    }
    m->steps = steps;
    m->step_count = f.node_count;
    m->arena_bytes = f.arena_bytes;
    return EP_EPB_OK;
}

/* Add, Sub, Mul, Div: each operand from the arena or the blob. */
static ep_status run_binary(const ep_epb_step *s, uint8_t *arena)
{
    const ep_epb_binary *o = s->binary;
    const void *a = o->constant_a != NULL ? o->constant_a : arena + o->offset_a;
    const void *b = o->constant_b != NULL ? o->constant_b : arena + o->offset_b;
    void *out = arena + s->output_offset;
    switch (s->kind) {
    case STEP_ADD_F32: return ep_add_f32(&o->shape, (const float *)a, (const float *)b, (float *)out);
    case STEP_SUB_F32: return ep_sub_f32(&o->shape, (const float *)a, (const float *)b, (float *)out);
    case STEP_MUL_F32: return ep_mul_f32(&o->shape, (const float *)a, (const float *)b, (float *)out);
    case STEP_DIV_F32: return ep_div_f32(&o->shape, (const float *)a, (const float *)b, (float *)out);
    case STEP_ADD_S8: return ep_add_s8(&o->shape, &o->params, (const int8_t *)a, (const int8_t *)b, (int8_t *)out);
    case STEP_SUB_S8: return ep_sub_s8(&o->shape, &o->params, (const int8_t *)a, (const int8_t *)b, (int8_t *)out);
    default: return ep_mul_s8(&o->shape, &o->params, (const int8_t *)a, (const int8_t *)b, (int8_t *)out);
    }
}

static ep_status run_concat(const ep_epb_step *s, uint8_t *arena)
{
    int32_t i;
    for (i = 0; i < s->count; i++) {
        const ep_epb_concat_input *x = &s->concat[i];
        ep_status status = ep_concat(s->dims[0], x->chunk_bytes, s->dims[1], x->output_offset, x->constant != NULL ? x->constant : arena + x->offset, arena + s->output_offset);
        if (status != EP_OK) {
            return status;
        }
    }
    return EP_OK;
}

static ep_status run_step(const ep_epb_step *s, uint8_t *arena)
{
    const void *in = arena + s->input_offset;
    void *out = arena + s->output_offset;
    const float *x = (const float *)in;
    float *y = (float *)out;
    const int8_t *xs = (const int8_t *)in;
    int8_t *ys = (int8_t *)out;
    switch (s->kind) {
    case STEP_FC_F32:
        switch (s->weights.encoding) {
        case EP_ENCODING_DENSE: return ep_fully_connected_f32(&s->range, s->count, x, &s->weights, (const float *)s->bias, y);
        case EP_ENCODING_BITMASK: return ep_fully_connected_f32_bitmask(&s->range, s->count, x, &s->weights, (const float *)s->bias, y);
        case EP_ENCODING_CSR8: return ep_fully_connected_f32_csr8(&s->range, s->count, x, &s->weights, (const float *)s->bias, y);
        case EP_ENCODING_CSR16: return ep_fully_connected_f32_csr16(&s->range, s->count, x, &s->weights, (const float *)s->bias, y);
        case EP_ENCODING_BLOCK_SPARSE: return ep_fully_connected_f32_block(&s->range, s->count, x, &s->weights, (const float *)s->bias, y);
        default: return ep_fully_connected_f32_nofm(&s->range, s->count, x, &s->weights, (const float *)s->bias, y);
        }
    case STEP_FC_S8: {
        const int32_t *folded = (const int32_t *)s->bias;
        switch (s->weights.encoding) {
        case EP_ENCODING_DENSE: return ep_fully_connected_s8(&s->requant, s->count, xs, &s->weights, folded, ys);
        case EP_ENCODING_INT4: return ep_fully_connected_s8_int4(&s->requant, s->count, xs, &s->weights, folded, ys);
        case EP_ENCODING_BITMASK: return ep_fully_connected_s8_bitmask(&s->requant, s->count, xs, &s->weights, folded, ys);
        case EP_ENCODING_CSR8: return ep_fully_connected_s8_csr8(&s->requant, s->count, xs, &s->weights, folded, ys);
        case EP_ENCODING_CSR16: return ep_fully_connected_s8_csr16(&s->requant, s->count, xs, &s->weights, folded, ys);
        case EP_ENCODING_BLOCK_SPARSE: return ep_fully_connected_s8_block(&s->requant, s->count, xs, &s->weights, folded, ys);
        default: return ep_fully_connected_s8_nofm(&s->requant, s->count, xs, &s->weights, folded, ys);
        }
    }
    case STEP_CONV_F32: return ep_conv_f32(s->geometry, &s->range, x, &s->weights, (const float *)s->bias, y);
    case STEP_CONV_S8: return ep_conv_s8(s->geometry, &s->requant, xs, &s->weights, (const int32_t *)s->bias, ys);
    case STEP_MAX_POOL_F32: return ep_max_pool_f32(s->geometry, x, y);
    case STEP_MAX_POOL_S8: return ep_max_pool_s8(s->geometry, xs, ys);
    case STEP_AVERAGE_POOL_F32: return ep_average_pool_f32(s->geometry, s->count_include_pad, x, y);
    case STEP_AVERAGE_POOL_S8: return ep_average_pool_s8(s->geometry, s->count_include_pad, xs, ys);
    case STEP_GLOBAL_AVERAGE_POOL_F32: return ep_global_average_pool_f32(s->count, s->zero_point, x, y);
    case STEP_GLOBAL_AVERAGE_POOL_S8: return ep_global_average_pool_s8(s->count, s->zero_point, xs, ys);
    case STEP_ADD_F32:
    case STEP_SUB_F32:
    case STEP_MUL_F32:
    case STEP_DIV_F32:
    case STEP_ADD_S8:
    case STEP_SUB_S8:
    case STEP_MUL_S8:
        return run_binary(s, arena);
    case STEP_CONCAT: return run_concat(s, arena);
    case STEP_TRANSPOSE:
        return ep_transpose(s->dims[0], s->count, s->transpose->output_shape, s->transpose->permuted_strides,
            s->transpose->constant != NULL ? s->transpose->constant : in, out);
    case STEP_RELU_F32: return ep_relu_f32(s->count, x, y);
    case STEP_CLIP_F32: return ep_clip_f32(s->count, s->range.min, s->range.max, x, y);
    case STEP_SIGMOID_F32: return ep_sigmoid_f32(s->count, x, y);
    case STEP_TANH_F32: return ep_tanh_f32(s->count, x, y);
    case STEP_LEAKY_RELU_F32: return ep_leaky_relu_f32(s->count, s->range.min, x, y);
    case STEP_SOFTMAX_F32: return ep_softmax_f32(s->dims[0], s->dims[1], s->dims[2], x, y);
    case STEP_CLAMP_S8: return ep_clamp_s8(s->count, s->requant.activation_min, s->requant.activation_max, (const int8_t *)in, (int8_t *)out);
    case STEP_COPY: return ep_copy((size_t)s->count, in, out);
    case STEP_QUANTIZE: return ep_quantize_f32_s8(s->count, s->scale, s->zero_point, x, (int8_t *)out);
    default: return ep_dequantize_s8_f32(s->count, s->scale, s->zero_point, (const int8_t *)in, y);
    }
}

ep_epb_status ep_epb_invoke(const ep_epb_model *m, const void *input, void *output, uint8_t *arena, size_t arena_size)
{
    struct alignment_probe {
        char c;
        ep_epb_word w;
    };
    uint32_t i;
    if (m == NULL || m->steps == NULL || input == NULL || output == NULL || arena == NULL
        || ((uintptr_t)arena % offsetof(struct alignment_probe, w)) != 0) {
        return EP_EPB_ERROR_ARGUMENT;
    }
    if (arena_size < m->arena_bytes) {
        return EP_EPB_ERROR_ARENA_TOO_SMALL;
    }
    memcpy(arena + m->input.arena_offset, input, (size_t)m->input.bytes);
    for (i = 0; i < m->step_count; i++) {
        if (run_step(&m->steps[i], arena) != EP_OK) {
            return EP_EPB_ERROR_KERNEL;
        }
    }
    memcpy(output, arena + m->output.arena_offset, (size_t)m->output.bytes);
    return EP_EPB_OK;
}
