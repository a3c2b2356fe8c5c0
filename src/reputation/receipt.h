/* Receipts (docs/reputation.md, "Receipts"): a score as JSON with every input, every
 * intermediate and the formula version, from which rep_verify recomputes it exactly. The
 * inputs digest is keccak256 of the compact, key-sorted JSON of {formula, asOf, params, inputs}. */
#ifndef PHEME_REPUTATION_RECEIPT_H
#define PHEME_REPUTATION_RECEIPT_H

#include <jansson.h>
#include <stdint.h>

#include "reputation/formula.h"

/* The JSON of p, in and the intermediates of res; NULL when memory runs out. */
json_t *rep_receipt_params(const rep_params *p);
json_t *rep_receipt_inputs(const rep_inputs *in);
json_t *rep_receipt_parts(const rep_parts *x);
json_t *rep_receipt_result(const rep_result *res);
/* The whole receipt (without previous/diff), with digest filled in. */
json_t *rep_receipt_build(const rep_params *p, const rep_inputs *in, const rep_result *res, uint8_t digest[32]);
/* Reads params and inputs back (the inputs' arrays in a). -1 with why on a malformed receipt. */
int rep_receipt_read(const json_t *receipt, rep_params *p, rep_inputs *in, void *(*alloc)(void *ctx, size_t n),
                     void *ctx, char *why, size_t n);
/* keccak256 of the canonical JSON of the digest's fields of a receipt. -1 when it cannot be encoded. */
int rep_receipt_digest(const json_t *receipt, uint8_t out[32]);

#endif
