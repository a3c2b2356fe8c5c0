/* Legacy (EIP-155) and EIP-1559 transactions; see tx.h. */
#include "eth/tx.h"

#include <string.h>

#include "eth/keccak.h"
#include "eth/rlp.h"
#include "eth/secp.h"

#include "core/banned.h"

#define NOMEM(err) pheme_set(err, PHEME_SYS_NOMEM, "tx: encoding larger than its buffer's cap")

static pheme_err put_access_list(buf *b, const tx *t, pheme_error *err) {
  size_t outer = rlp_list_begin(b);
  for (size_t i = 0; i < t->n_access; i++) {
    const tx_access *a = &t->access[i];
    size_t entry = rlp_list_begin(b);
    if (rlp_put_bytes(b, a->address, 20)) return NOMEM(err);
    size_t keys = rlp_list_begin(b);
    for (size_t k = 0; k < a->n_keys; k++)
      if (rlp_put_bytes(b, a->keys[k], 32)) return NOMEM(err);
    if (rlp_list_end(b, keys) || rlp_list_end(b, entry)) return NOMEM(err);
  }
  return rlp_list_end(b, outer) ? NOMEM(err) : PHEME_OK;
}

/* The fields common to both types, from nonce/chainId up to data (and the access list). */
static pheme_err put_body(buf *b, const tx *t, pheme_error *err) {
  int fail = 0;
  if (t->type == TX_EIP1559) {
    fail |= rlp_put_u64(b, t->chain_id) != 0;
    fail |= rlp_put_u64(b, t->nonce) != 0;
    fail |= rlp_put_uint(b, t->max_priority_fee) != 0;
    fail |= rlp_put_uint(b, t->max_fee) != 0;
  } else {
    fail |= rlp_put_u64(b, t->nonce) != 0;
    fail |= rlp_put_uint(b, t->gas_price) != 0;
  }
  fail |= rlp_put_u64(b, t->gas) != 0;
  fail |= rlp_put_bytes(b, t->to, t->has_to ? 20 : 0) != 0;
  fail |= rlp_put_uint(b, t->value) != 0;
  fail |= rlp_put_bytes(b, t->data, t->data_len) != 0;
  if (fail) return NOMEM(err);
  if (t->type == TX_EIP1559) return put_access_list(b, t, err);
  return PHEME_OK;
}

static pheme_err check_type(const tx *t, pheme_error *err) {
  if (t->type != TX_LEGACY && t->type != TX_EIP1559)
    return pheme_set(err, PHEME_DATA_INVALID, "tx: unsupported transaction type %d", t->type);
  if (t->type == TX_EIP1559 && t->chain_id == 0)
    return pheme_set(err, PHEME_DATA_INVALID, "tx: a type 2 transaction needs a chain id");
  return PHEME_OK;
}

pheme_err tx_encode_unsigned(buf *out, const tx *t, pheme_error *err) {
  pheme_err e = check_type(t, err);
  if (e) return e;
  if (t->type == TX_EIP1559 && buf_addc(out, 0x02)) return NOMEM(err);
  size_t mark = rlp_list_begin(out);
  if ((e = put_body(out, t, err))) return e;
  if (t->type == TX_LEGACY && t->chain_id) {
    if (rlp_put_u64(out, t->chain_id) || rlp_put_u64(out, 0) || rlp_put_u64(out, 0)) return NOMEM(err);
  }
  return rlp_list_end(out, mark) ? NOMEM(err) : PHEME_OK;
}

/* Hashes an encoding made by fn into out. */
static pheme_err hash_of(uint8_t out[32], const tx *t, pheme_error *err,
                         pheme_err (*fn)(buf *, const tx *, pheme_error *)) {
  buf b;
  buf_init(&b, (size_t)1 << 30);
  pheme_err e = fn(&b, t, err);
  if (!e) keccak_256(out, b.data, b.len);
  buf_release(&b);
  return e;
}

pheme_err tx_signing_hash(uint8_t out[32], const tx *t, pheme_error *err) {
  return hash_of(out, t, err, tx_encode_unsigned);
}

pheme_err tx_sign(tx *t, const uint8_t key[32], pheme_error *err) {
  uint8_t h[32], sig[SECP_SIG_LEN];
  pheme_err e = tx_signing_hash(h, t, err);
  if (e) return e;
  if ((e = secp_sign(sig, h, key, err))) return e;
  memcpy(t->r, sig, 32);
  memcpy(t->s, sig + 32, 32);
  t->y_parity = sig[64];
  t->is_signed = 1;
  return PHEME_OK;
}

/* v of a legacy transaction as a 32-byte integer: 27 + y, or chainId * 2 + 35 + y. */
static void legacy_v(uint8_t out[32], const tx *t) {
  unsigned __int128 v = t->chain_id ? (unsigned __int128)t->chain_id * 2 + 35 + t->y_parity
                                    : (unsigned __int128)27 + t->y_parity;
  memset(out, 0, 32);
  for (int i = 31; v; i--, v >>= 8) out[i] = (uint8_t)v;
}

pheme_err tx_encode_signed(buf *out, const tx *t, pheme_error *err) {
  pheme_err e = check_type(t, err);
  if (e) return e;
  if (!t->is_signed) return pheme_set(err, PHEME_DATA_INVALID, "tx: transaction is not signed");
  if (t->type == TX_EIP1559 && buf_addc(out, 0x02)) return NOMEM(err);
  size_t mark = rlp_list_begin(out);
  if ((e = put_body(out, t, err))) return e;
  uint8_t v[32];
  if (t->type == TX_EIP1559) {
    memset(v, 0, 32);
    v[31] = (uint8_t)t->y_parity;
  } else {
    legacy_v(v, t);
  }
  if (rlp_put_uint(out, v) || rlp_put_uint(out, t->r) || rlp_put_uint(out, t->s) ||
      rlp_list_end(out, mark))
    return NOMEM(err);
  return PHEME_OK;
}

pheme_err tx_hash(uint8_t out[32], const tx *t, pheme_error *err) {
  return hash_of(out, t, err, tx_encode_signed);
}

static pheme_err decode_access(tx *t, const rlp_item *list, arena *a, pheme_error *err) {
  if (!list->is_list) return pheme_set(err, PHEME_DATA_INVALID, "tx: access list is not a list");
  rlp_iter it;
  rlp_iter_init(&it, list);
  /* first pass counts the entries so the array is allocated once */
  size_t n = 0, total_keys = 0;
  for (;;) {
    rlp_item x;
    int done;
    if (rlp_iter_next(&it, &x, &done, err)) return PHEME_DATA_INVALID;
    if (done) break;
    if (++n > TX_MAX_ACCESS) return pheme_set(err, PHEME_DATA_INVALID, "tx: access list too long");
  }
  tx_access *acc = arena_zalloc(a, n * sizeof *acc);
  if (!acc) return pheme_set(err, PHEME_SYS_NOMEM, "tx: out of memory for the access list");
  rlp_iter_init(&it, list);
  for (size_t i = 0; i < n; i++) {
    rlp_item entry, parts[2];
    size_t count;
    int done;
    if (rlp_iter_next(&it, &entry, &done, err)) return PHEME_DATA_INVALID;
    if (rlp_list_items(&entry, parts, 2, &count, err)) return PHEME_DATA_INVALID;
    if (count != 2 || parts[0].is_list || parts[0].len != 20 || !parts[1].is_list)
      return pheme_set(err, PHEME_DATA_INVALID,
                         "tx: access list entry %zu is not [address, [keys]]", i);
    memcpy(acc[i].address, parts[0].payload, 20);
    size_t nk = parts[1].len / 33; /* each key is 0xa0 + 32 bytes */
    if (nk * 33 != parts[1].len)
      return pheme_set(err, PHEME_DATA_INVALID, "tx: storage keys of entry %zu are not 32 bytes", i);
    total_keys += nk;
    if (total_keys > TX_MAX_ACCESS) return pheme_set(err, PHEME_DATA_INVALID, "tx: too many storage keys");
    uint8_t(*keys)[32] = arena_alloc(a, (nk ? nk : 1) * 32);
    if (!keys) return pheme_set(err, PHEME_SYS_NOMEM, "tx: out of memory for storage keys");
    rlp_iter ki;
    rlp_iter_init(&ki, &parts[1]);
    for (size_t k = 0; k < nk; k++) {
      rlp_item key;
      if (rlp_iter_next(&ki, &key, &done, err)) return PHEME_DATA_INVALID;
      if (done || key.is_list || key.len != 32)
        return pheme_set(err, PHEME_DATA_INVALID, "tx: storage key %zu of entry %zu is not 32 bytes", k, i);
      memcpy(keys[k], key.payload, 32);
    }
    acc[i].keys = (const uint8_t(*)[32])keys;
    acc[i].n_keys = nk;
  }
  t->access = acc;
  t->n_access = n;
  return PHEME_OK;
}

static pheme_err decode_to(tx *t, const rlp_item *it, pheme_error *err) {
  if (it->is_list || (it->len != 0 && it->len != 20))
    return pheme_set(err, PHEME_DATA_INVALID, "tx: 'to' must be empty or 20 bytes");
  t->has_to = it->len == 20;
  if (t->has_to) memcpy(t->to, it->payload, 20);
  return PHEME_OK;
}

static pheme_err decode_sig(tx *t, const rlp_item *r, const rlp_item *s, pheme_error *err) {
  if (rlp_item_uint(r, t->r, err) || rlp_item_uint(s, t->s, err)) return PHEME_DATA_INVALID;
  t->is_signed = 1;
  return PHEME_OK;
}

static pheme_err decode_1559(tx *t, const uint8_t *in, size_t n, arena *a, pheme_error *err) {
  rlp_item list, f[12];
  size_t count;
  uint64_t y;
  if (rlp_decode(in, n, &list, err) || rlp_list_items(&list, f, 12, &count, err))
    return PHEME_DATA_INVALID;
  if (count != 12)
    return pheme_set(err, PHEME_DATA_INVALID, "tx: type 2 transaction has %zu fields, expected 12", count);
  t->type = TX_EIP1559;
  if (rlp_item_u64(&f[0], &t->chain_id, err) || rlp_item_u64(&f[1], &t->nonce, err) ||
      rlp_item_uint(&f[2], t->max_priority_fee, err) || rlp_item_uint(&f[3], t->max_fee, err) ||
      rlp_item_u64(&f[4], &t->gas, err) || decode_to(t, &f[5], err) ||
      rlp_item_uint(&f[6], t->value, err) || rlp_item_u64(&f[9], &y, err))
    return PHEME_DATA_INVALID;
  if (f[7].is_list) return pheme_set(err, PHEME_DATA_INVALID, "tx: data is a list");
  t->data = f[7].payload;
  t->data_len = f[7].len;
  if (y > 1) return pheme_set(err, PHEME_DATA_INVALID, "tx: y parity %llu is not 0 or 1", (unsigned long long)y);
  t->y_parity = (unsigned)y;
  if (t->chain_id == 0) return pheme_set(err, PHEME_DATA_INVALID, "tx: chain id 0");
  pheme_err e = decode_access(t, &f[8], a, err);
  if (e) return e;
  return decode_sig(t, &f[10], &f[11], err);
}

static pheme_err decode_legacy(tx *t, const uint8_t *in, size_t n, pheme_error *err) {
  rlp_item list, f[9];
  size_t count;
  uint8_t v[32];
  if (rlp_decode(in, n, &list, err) || rlp_list_items(&list, f, 9, &count, err))
    return PHEME_DATA_INVALID;
  if (count != 9)
    return pheme_set(err, PHEME_DATA_INVALID, "tx: legacy transaction has %zu fields, expected 9", count);
  t->type = TX_LEGACY;
  if (rlp_item_u64(&f[0], &t->nonce, err) || rlp_item_uint(&f[1], t->gas_price, err) ||
      rlp_item_u64(&f[2], &t->gas, err) || decode_to(t, &f[3], err) ||
      rlp_item_uint(&f[4], t->value, err) || rlp_item_uint(&f[6], v, err))
    return PHEME_DATA_INVALID;
  if (f[5].is_list) return pheme_set(err, PHEME_DATA_INVALID, "tx: data is a list");
  t->data = f[5].payload;
  t->data_len = f[5].len;
  /* v = 27 + y, or chainId * 2 + 35 + y with chainId < 2^64 */
  unsigned __int128 vv = 0;
  for (int i = 0; i < 32; i++) {
    if (i < 16 && v[i]) return pheme_set(err, PHEME_DATA_INVALID, "tx: v out of range");
    vv = vv << 8 | v[i];
  }
  if (vv == 27 || vv == 28) {
    t->chain_id = 0;
    t->y_parity = (unsigned)(vv - 27);
  } else if (vv >= 37) {
    unsigned __int128 c = (vv - 35) / 2;
    if (c > UINT64_MAX) return pheme_set(err, PHEME_DATA_INVALID, "tx: chain id in v exceeds 64 bits");
    t->chain_id = (uint64_t)c;
    t->y_parity = (unsigned)((vv - 35) % 2);
  } else {
    return pheme_set(err, PHEME_DATA_INVALID, "tx: invalid v %u", (unsigned)vv);
  }
  return decode_sig(t, &f[7], &f[8], err);
}

pheme_err tx_decode(tx *out, const uint8_t *in, size_t n, arena *a, pheme_error *err) {
  memset(out, 0, sizeof *out);
  if (n == 0) return pheme_set(err, PHEME_DATA_INVALID, "tx: empty input");
  if (in[0] >= 0xc0) return decode_legacy(out, in, n, err);
  if (in[0] == 0x02) return decode_1559(out, in + 1, n - 1, a, err);
  return pheme_set(err, PHEME_DATA_INVALID, "tx: unsupported transaction type 0x%02x", in[0]);
}

pheme_err tx_sender(uint8_t addr[20], const tx *t, pheme_error *err) {
  if (!t->is_signed) return pheme_set(err, PHEME_DATA_INVALID, "tx: transaction is not signed");
  uint8_t h[32], sig[SECP_SIG_LEN];
  pheme_err e = tx_signing_hash(h, t, err);
  if (e) return e;
  memcpy(sig, t->r, 32);
  memcpy(sig + 32, t->s, 32);
  sig[64] = (uint8_t)t->y_parity;
  return secp_recover_address(addr, h, sig, SECP_LOW_S, err);
}
