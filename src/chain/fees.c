/* EIP-1559 fees from eth_feeHistory, and replacement bumps; see fees.h. Products are computed in
 * 128 bits so no option or node answer can overflow them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/fees.h"
#include "chain/rpc.h"
#include "core/banned.h"

#define FEES_MAX_BLOCKS 1024

void fee_options_init(fee_options *o) {
  memset(o, 0, sizeof *o);
  o->blocks = 10;
  o->tip_percentile = 50;
  o->base_fee_pct = 200;
  o->min_tip_wei = 1000000;
  o->bump_pct = 12;
}

pheme_err fee_options_check(const fee_options *o, char *err, size_t errlen) {
  if (o->blocks < 1 || o->blocks > FEES_MAX_BLOCKS)
    return snprintf(err, errlen, "fee history blocks %d out of range 1..%d", o->blocks,
                    FEES_MAX_BLOCKS), PHEME_SYS_CONFIG;
  if (o->tip_percentile < 0 || o->tip_percentile > 100)
    return snprintf(err, errlen, "tip percentile %d out of range 0..100", o->tip_percentile),
           PHEME_SYS_CONFIG;
  if (o->base_fee_pct < 100 || o->base_fee_pct > 1000)
    return snprintf(err, errlen, "base fee multiplier %d%% out of range 100..1000",
                    o->base_fee_pct), PHEME_SYS_CONFIG;
  if (o->bump_pct < 10 || o->bump_pct > 1000)
    return snprintf(err, errlen, "replacement bump %d%% out of range 10..1000 (nodes ask for 10)",
                    o->bump_pct), PHEME_SYS_CONFIG;
  if (o->max_tip_wei && o->max_tip_wei < o->min_tip_wei)
    return snprintf(err, errlen, "tip cap %llu wei is below the tip floor %llu wei",
                    (unsigned long long)o->max_tip_wei, (unsigned long long)o->min_tip_wei),
           PHEME_SYS_CONFIG;
  return PHEME_OK;
}

void fees_history_params(const fee_options *o, char *out, size_t n) {
  snprintf(out, n, "[\"0x%x\",\"latest\",[%d]]", (unsigned)o->blocks, o->tip_percentile);
}

static pheme_err quantity(const json_t *v, const char *what, uint64_t *out, char *err,
                          size_t errlen) {
  if (!json_is_string(v) || rpc_quantity_parse(json_string_value(v), out))
    return snprintf(err, errlen, "fee history: %s is not a quantity of at most 64 bits", what),
           PHEME_DATA_INVALID;
  return PHEME_OK;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

pheme_err fees_quote(const json_t *h, const fee_options *o, fee_quote *out, char *err,
                     size_t errlen) {
  memset(out, 0, sizeof *out);
  const json_t *base = json_object_get(h, "baseFeePerGas");
  size_t nb = json_array_size(base);
  if (!json_is_object(h) || !json_is_array(base) || nb == 0 || nb > FEES_MAX_BLOCKS + 1)
    return snprintf(err, errlen, "fee history: no baseFeePerGas list (is the node pre-London?)"),
           PHEME_DATA_INVALID;
  pheme_err e = quantity(json_array_get(base, nb - 1), "the next base fee", &out->next_base_fee,
                         err, errlen);
  if (e) return e;

  const json_t *reward = json_object_get(h, "reward");
  size_t nr = json_array_size(reward);
  if (reward && !json_is_array(reward))
    return snprintf(err, errlen, "fee history: reward is not a list"), PHEME_DATA_INVALID;
  if (nr > FEES_MAX_BLOCKS)
    return snprintf(err, errlen, "fee history: %zu reward rows, more than asked", nr),
           PHEME_DATA_INVALID;
  uint64_t tips[FEES_MAX_BLOCKS];
  size_t nt = 0;
  for (size_t i = 0; i < nr; i++) {
    const json_t *row = json_array_get(reward, i);
    if (!json_is_array(row))
      return snprintf(err, errlen, "fee history: reward row %zu is not a list", i),
             PHEME_DATA_INVALID;
    if (json_array_size(row) == 0) continue;
    e = quantity(json_array_get(row, 0), "a reward", &tips[nt], err, errlen);
    if (e) return e;
    nt++;
  }
  uint64_t tip = 0;
  if (nt) {
    qsort(tips, nt, sizeof tips[0], cmp_u64);
    tip = tips[nt / 2];
  }
  if (tip < o->min_tip_wei) tip = o->min_tip_wei;
  if (o->max_tip_wei && tip > o->max_tip_wei) tip = o->max_tip_wei;

  unsigned __int128 need = (unsigned __int128)out->next_base_fee + tip;
  unsigned __int128 want = (unsigned __int128)out->next_base_fee * (unsigned)o->base_fee_pct / 100 + tip;
  uint64_t cap = o->max_fee_wei ? o->max_fee_wei : UINT64_MAX;
  if (need > cap)
    return snprintf(err, errlen,
                    "next base fee %llu wei plus tip %llu wei is above the fee cap %llu wei",
                    (unsigned long long)out->next_base_fee, (unsigned long long)tip,
                    (unsigned long long)cap),
           PHEME_DATA_STATE;
  out->tip = tip;
  out->max_fee = want > cap ? cap : (uint64_t)want;
  return PHEME_OK;
}

/* ceil(x × (100 + pct) / 100), at least x + 1; saturates at UINT64_MAX. */
static uint64_t raise(uint64_t x, int pct) {
  unsigned __int128 y = ((unsigned __int128)x * (unsigned)(100 + pct) + 99) / 100;
  if (y <= x) y = (unsigned __int128)x + 1;
  return y > UINT64_MAX ? UINT64_MAX : (uint64_t)y;
}

pheme_err fees_bump(const fee_quote *old, const fee_quote *fresh, const fee_options *o,
                    fee_quote *out, char *err, size_t errlen) {
  fee_quote q = {0};
  if (old->tip == UINT64_MAX || old->max_fee == UINT64_MAX)
    return snprintf(err, errlen, "fees are at 2^64-1 wei per gas and cannot be raised"),
           PHEME_DATA_STATE;
  q.tip = raise(old->tip, o->bump_pct);
  q.max_fee = raise(old->max_fee, o->bump_pct);
  if (fresh) {
    q.next_base_fee = fresh->next_base_fee;
    if (fresh->tip > q.tip) q.tip = fresh->tip;
    if (fresh->max_fee > q.max_fee) q.max_fee = fresh->max_fee;
  }
  if (q.max_fee < q.tip) q.max_fee = q.tip; /* EIP-1559: the tip never exceeds the max fee */
  if (o->max_tip_wei && q.tip > o->max_tip_wei)
    return snprintf(err, errlen, "replacement tip %llu wei would pass the tip cap %llu wei",
                    (unsigned long long)q.tip, (unsigned long long)o->max_tip_wei),
           PHEME_DATA_STATE;
  if (o->max_fee_wei && q.max_fee > o->max_fee_wei)
    return snprintf(err, errlen, "replacement max fee %llu wei would pass the fee cap %llu wei",
                    (unsigned long long)q.max_fee, (unsigned long long)o->max_fee_wei),
           PHEME_DATA_STATE;
  *out = q;
  return PHEME_OK;
}
