/*
 * Walks the stored entries of one row of an encoded weight matrix (ep_types.h) in column order, giving each entry's
 * column ("tap") and the index of its value: the one decoder the convolution kernels share for every encoding.
 */
#ifndef EDGEPRUNE_EP_WEIGHT_ROWS_H
#define EDGEPRUNE_EP_WEIGHT_ROWS_H

#include "edgeprune/ep_types.h"

typedef struct {
    const ep_weights *w;
    int32_t index; /* element (dense, int4, bitmask), stored value (csr), block (block-sparse) or slot (N:M) */
    int32_t end;
    int32_t value; /* next stored value (bitmask); column within the block (block-sparse) */
    int32_t base;  /* first element of the row (dense, int4, bitmask); first value of the row in its block (block-sparse); first column of the group (N:M) */
} ep_row_cursor;

/* bitmask_value_start: for a bitmask, the number of set bits before this row (the caller keeps the running count). */
static inline void ep_row_begin(ep_row_cursor *c, const ep_weights *w, int32_t row, int32_t bitmask_value_start)
{
    c->w = w;
    c->value = 0;
    switch (w->encoding) {
    case EP_ENCODING_CSR8:
    case EP_ENCODING_CSR16:
        c->index = w->row_pointers[row];
        c->end = w->row_pointers[row + 1];
        c->base = 0;
        break;
    case EP_ENCODING_BLOCK_SPARSE:
        c->index = w->row_pointers[row / w->p0];
        c->end = w->row_pointers[row / w->p0 + 1];
        c->base = (row % w->p0) * w->p1;
        break;
    case EP_ENCODING_NOFM:
        c->index = row * (w->cols / w->p1) * w->p0;
        c->end = c->index + (w->cols / w->p1) * w->p0;
        c->base = 0;
        break;
    default:
        c->index = row * w->cols;
        c->end = c->index + w->cols;
        c->base = c->index;
        c->value = bitmask_value_start;
        break;
    }
}

/* The next entry of the row: 1 with *tap and *value_index set, or 0 at the row's end. */
static inline int ep_row_next(ep_row_cursor *c, int32_t *tap, int32_t *value_index)
{
    const ep_weights *w = c->w;
    switch (w->encoding) {
    case EP_ENCODING_BITMASK:
        while (c->index < c->end) {
            int32_t e = c->index++;
            if (w->packed[e >> 3] & (1u << (e & 7))) {
                *tap = e - c->base;
                *value_index = c->value++;
                return 1;
            }
        }
        return 0;
    case EP_ENCODING_CSR8:
    case EP_ENCODING_CSR16:
        if (c->index >= c->end) {
            return 0;
        }
        *tap = w->encoding == EP_ENCODING_CSR8 ? ((const uint8_t *)w->columns)[c->index] : ((const uint16_t *)w->columns)[c->index];
        *value_index = c->index++;
        return 1;
    case EP_ENCODING_BLOCK_SPARSE:
        if (c->index >= c->end) {
            return 0;
        }
        *tap = ((const uint16_t *)w->columns)[c->index] * w->p1 + c->value;
        *value_index = c->index * w->p0 * w->p1 + c->base + c->value;
        if (++c->value == w->p1) {
            c->value = 0;
            c->index++;
        }
        return 1;
    case EP_ENCODING_NOFM:
        if (c->index >= c->end) {
            return 0;
        }
        {
            int32_t slot = c->index++;
            int32_t in_row = slot % ((w->cols / w->p1) * w->p0);
            *tap = (in_row / w->p0) * w->p1 + ((w->packed[slot >> 2] >> ((slot & 3) * 2)) & 3);
            *value_index = slot;
        }
        return 1;
    default:
        if (c->index >= c->end) {
            return 0;
        }
        *tap = c->index - c->base;
        *value_index = c->index++;
        return 1;
    }
}

#endif
