/* The EdgePrune C99 runtime: every kernel a generated model may call (docs/c-export.md). */
#ifndef EDGEPRUNE_H
#define EDGEPRUNE_H

#include "ep_types.h"
#include "ep_fixed_point.h"
#include "ep_fully_connected.h"
#include "ep_conv.h"
#include "ep_pooling.h"
#include "ep_elementwise.h"
#include "ep_layout.h"

#endif
