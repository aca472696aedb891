/* fp32 Add, Sub, Mul, Div with broadcasting (ep_elementwise.h). */
#include "edgeprune/ep_elementwise.h"

typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV } binary_op;

static ep_status run(binary_op op, const ep_broadcast *shape, const float *a, const float *b, float *output)
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
        float x = a[oa], y = b[ob];
        output[i] = op == OP_ADD ? x + y : op == OP_SUB ? x - y : op == OP_MUL ? x * y : x / y;
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

ep_status ep_add_f32(const ep_broadcast *shape, const float *a, const float *b, float *output) { return run(OP_ADD, shape, a, b, output); }
ep_status ep_sub_f32(const ep_broadcast *shape, const float *a, const float *b, float *output) { return run(OP_SUB, shape, a, b, output); }
ep_status ep_mul_f32(const ep_broadcast *shape, const float *a, const float *b, float *output) { return run(OP_MUL, shape, a, b, output); }
ep_status ep_div_f32(const ep_broadcast *shape, const float *a, const float *b, float *output) { return run(OP_DIV, shape, a, b, output); }
