/* int8 Add, Sub, Mul with broadcasting (ep_elementwise.h): the arithmetic of the .NET runtime's Kernels/BinaryInt8.cs. */
#include "edgeprune/ep_elementwise.h"
#include "edgeprune/ep_fixed_point.h"

#define EP_ADD_LEFT_SHIFT 20

typedef enum { OP_ADD, OP_SUB, OP_MUL } binary_op;

static int8_t apply(binary_op op, const ep_binary_s8_params *p, int8_t a, int8_t b)
{
    int32_t x = (int32_t)a + p->offset_a, y = (int32_t)b + p->offset_b, raw;
    if (op == OP_MUL) {
        raw = ep_multiply_by_quantized_multiplier(x * y, p->output_multiplier, p->output_shift);
    } else {
        int32_t sa = ep_multiply_by_quantized_multiplier_smaller_than_one(x * (1 << EP_ADD_LEFT_SHIFT), p->multiplier_a, p->shift_a);
        int32_t sb = ep_multiply_by_quantized_multiplier_smaller_than_one(y * (1 << EP_ADD_LEFT_SHIFT), p->multiplier_b, p->shift_b);
        raw = ep_multiply_by_quantized_multiplier_smaller_than_one(op == OP_ADD ? sa + sb : sa - sb, p->output_multiplier, p->output_shift);
    }
    return (int8_t)ep_clamp_s32(raw + p->output_offset, -128, 127);
}

static ep_status run(binary_op op, const ep_broadcast *shape, const ep_binary_s8_params *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    int32_t index[EP_MAX_RANK] = {0};
    int32_t total = 1, d, i, oa = 0, ob = 0;
    if (shape->rank > EP_MAX_RANK) {
        return EP_ERROR_ARGUMENT;
    }
    for (d = 0; d < shape->rank; d++) {
        total *= shape->sizes[d];
    }
    for (i = 0; i < total; i++) {
        output[i] = apply(op, p, a[oa], b[ob]);
        for (d = shape->rank - 1; d >= 0; d--) {
            index[d]++;
            oa += shape->stride_a[d];
            ob += shape->stride_b[d];
            if (index[d] < shape->sizes[d]) {
                break;
            }
            oa -= shape->stride_a[d] * shape->sizes[d];
            ob -= shape->stride_b[d] * shape->sizes[d];
            index[d] = 0;
        }
    }
    return EP_OK;
}

ep_status ep_add_s8(const ep_broadcast *shape, const ep_binary_s8_params *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    return run(OP_ADD, shape, p, a, b, output);
}

ep_status ep_sub_s8(const ep_broadcast *shape, const ep_binary_s8_params *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    return run(OP_SUB, shape, p, a, b, output);
}

ep_status ep_mul_s8(const ep_broadcast *shape, const ep_binary_s8_params *p, const int8_t *a, const int8_t *b, int8_t *output)
{
    return run(OP_MUL, shape, p, a, b, output);
}
