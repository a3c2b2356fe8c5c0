/* The projections of the suite's events as one rule table; see projections.h and
 * docs/internals/indexer.md.
 *
 * A rule reads fields straight from the event's generated struct (chain/events_gen.h) by their
 * offset: F(field) is offsetof(ev_<Event>, field), so a field that is renamed or removed in a
 * contract's ABI stops the build here, and proj_check verifies at start-up that every offset a
 * rule names is a field of the rule's event with a kind the rule can use.
 *
 * Entities keep the shape the API reads (store/chain_index.h): keys are lowercase addresses,
 * decimal ids, joined by '/'; amounts are uint256 decimal text, added and subtracted exactly and
 * never below zero; data is a JSON object with sorted keys whose values are JSON text. Data is
 * read and written here as a short sorted list of (key, JSON text) pairs, without building a
 * JSON tree: two indexes of one chain hold the same bytes, and the same bytes as before. */
#include "chain/projections.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "eth/address.h"
#include "eth/u256.h"
#include "store/chain_index.h"
#include "core/banned.h"

/* ---- the rule table's vocabulary ---- */

typedef enum {
  S_NONE,
  S_FIELD,    /* a field of the event (offset) */
  S_TEXT,     /* a constant string */
  S_RAW,      /* a constant JSON text (true, false) */
  S_CONTRACT, /* the emitting contract's manifest name */
  S_EVENT,    /* the event's name */
  S_TX,       /* the log's transaction hash, 0x hex */
  S_ARGS,     /* every argument, as a JSON array */
  S_SUPPORT,  /* a vote's support field as "against" / "for" / "abstain" */
} src_kind;

typedef struct {
  src_kind k;
  size_t off;
  const char *text;
} src;

typedef enum { D_END, D_SET, D_ADD, D_DEL } data_verb;

typedef struct {
  data_verb verb; /* D_SET: data[name] = from; D_ADD: data[name] += from (decimal); D_DEL */
  const char *name;
  src from;
} data_op;

typedef enum { A_KEEP, A_SET, A_ADD, A_SUB } amount_verb;
typedef enum { W_SAVE, W_DROP, W_SAVE_NONZERO /* drop when the amount is zero */ } write_verb;

typedef struct ent ent;
typedef struct proj_rule proj_rule;
/* Runs after the generic steps, before the write; before is the amount as it was. */
typedef pheme_err (*proj_hook)(chain_proj *p, const chain_log *l, const proj_rule *r,
                               const void *ev, ent *en, const uint8_t before[32]);
/* Replaces the generic steps (a rule that writes several entities from one array). */
typedef pheme_err (*proj_custom)(chain_proj *p, const chain_log *l, const proj_rule *r,
                                 const void *ev);

#define DATA_OPS 12

struct proj_rule {
  const ev_desc *ev;
  unsigned contracts; /* CC_BIT()s; 0: every contract that emits the event */
  const char *kind;
  src key[3];         /* joined with '/' */
  src owner;          /* an address field, or none */
  amount_verb amount;
  src amount_from;
  int amount_default0; /* a missing amount reads as 0 and is written */
  write_verb write;
  src unless_zero;    /* an address field: the rule does nothing when it is zero */
  src drop_if_zero;   /* an address field: the entity is deleted when it is zero */
  data_op fresh;      /* applied first when the entity does not exist yet */
  data_op data[DATA_OPS];
  src arg[4];         /* fields for the hook or the custom step */
  proj_hook hook;
  proj_custom custom;
};

/* ---- entities: (kind, key) → owner, amount, data ---- */

#define DATA_MAX 32

typedef struct {
  const char *k, *v; /* JSON text of the key (without quotes) and of the value */
  size_t kl, vl;
} kv;

struct ent {
  chain_entity e;
  int exists;
  int nf;
  kv f[DATA_MAX];
};

/* The end of the JSON value at p (within end), or NULL. Only what json_dumps writes. */
static const char *skip_value(const char *p, const char *end) {
  if (p >= end) return NULL;
  if (*p == '"') {
    for (p++; p < end; p++) {
      if (*p == '\\') p++;
      else if (*p == '"') return p + 1;
    }
    return NULL;
  }
  if (*p == '[' || *p == '{') {
    int depth = 0;
    while (p < end) {
      if (*p == '"') {
        p = skip_value(p, end);
        if (!p) return NULL;
        continue;
      }
      if (*p == '[' || *p == '{') depth++;
      if (*p == ']' || *p == '}') {
        if (--depth == 0) return p + 1;
      }
      p++;
    }
    return NULL;
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']') p++;
  return p;
}

/* Reads the data object text into en->f; 0, or -1 when it is not one json_dumps wrote. */
static int data_parse(ent *en, const char *s) {
  en->nf = 0;
  if (!s) return 0;
  const char *p = s, *end = s + strlen(s);
  if (p >= end || *p++ != '{') return -1;
  if (p < end && *p == '}') return 0;
  for (;;) {
    if (en->nf == DATA_MAX || p >= end || *p != '"') return -1;
    const char *k = p + 1, *ke = skip_value(p, end);
    if (!ke || ke >= end || *ke != ':') return -1;
    const char *v = ke + 1, *ve = skip_value(v, end);
    if (!ve || ve >= end) return -1;
    en->f[en->nf++] = (kv){k, v, (size_t)(ke - 1 - k), (size_t)(ve - v)};
    if (*ve == '}') return ve + 1 == end ? 0 : -1;
    if (*ve != ',') return -1;
    p = ve + 1;
  }
}

/* The index of key name, or where it would go (negative: -(pos + 1)). Keys stay sorted as
 * json_dumps(JSON_SORT_KEYS) sorts them. */
static int data_find(const ent *en, const char *name) {
  size_t nl = strlen(name);
  for (int i = 0; i < en->nf; i++) {
    size_t m = en->f[i].kl < nl ? en->f[i].kl : nl;
    int c = memcmp(en->f[i].k, name, m);
    if (c == 0) c = en->f[i].kl < nl ? -1 : en->f[i].kl > nl ? 1 : 0;
    if (c == 0) return i;
    if (c > 0) return -(i + 1);
  }
  return -(en->nf + 1);
}

static pheme_err data_set(ent *en, const char *name, const char *v, size_t vl) {
  int i = data_find(en, name);
  if (i < 0) {
    if (en->nf == DATA_MAX) return PHEME_SYS_INTERNAL; /* a rule table bug: too many fields */
    i = -i - 1;
    memmove(&en->f[i + 1], &en->f[i], (size_t)(en->nf - i) * sizeof en->f[0]);
    en->nf++;
    en->f[i].k = name;
    en->f[i].kl = strlen(name);
  }
  en->f[i].v = v;
  en->f[i].vl = vl;
  return PHEME_OK;
}

static void data_del(ent *en, const char *name) {
  int i = data_find(en, name);
  if (i < 0) return;
  memmove(&en->f[i], &en->f[i + 1], (size_t)(en->nf - i - 1) * sizeof en->f[0]);
  en->nf--;
}

/* data[name] as a string's content (without quotes; our strings there are plain), or def. */
static const char *data_str(chain_proj *p, const ent *en, const char *name, const char *def) {
  int i = data_find(en, name);
  if (i < 0 || en->f[i].vl < 2 || en->f[i].v[0] != '"') return def;
  char *s = arena_alloc(p->a, en->f[i].vl - 1);
  if (!s) return def;
  memcpy(s, en->f[i].v + 1, en->f[i].vl - 2);
  s[en->f[i].vl - 2] = 0;
  return s;
}

static const char *data_text(chain_proj *p, const ent *en) {
  size_t n = 3;
  for (int i = 0; i < en->nf; i++) n += en->f[i].kl + en->f[i].vl + 4;
  char *s = arena_alloc(p->a, n), *w = s;
  if (!s) return NULL;
  *w++ = '{';
  for (int i = 0; i < en->nf; i++) {
    if (i) *w++ = ',';
    *w++ = '"';
    memcpy(w, en->f[i].k, en->f[i].kl);
    w += en->f[i].kl;
    *w++ = '"';
    *w++ = ':';
    memcpy(w, en->f[i].v, en->f[i].vl);
    w += en->f[i].vl;
  }
  *w++ = '}';
  *w = 0;
  return s;
}

static pheme_err ent_load(chain_proj *p, const chain_log *l, const char *kind, const char *key,
                          ent *out) {
  out->exists = 0;
  out->nf = 0;
  pheme_err e = chain_unit_get(p->u, kind, key, &out->e);
  if (e == PHEME_DATA_NOT_FOUND) {
    memset(&out->e, 0, sizeof out->e);
    out->e.kind = kind;
    out->e.key = key;
    out->e.ord = l->block_number * ((int64_t)1 << 20) + (l->log_index & 0xfffff);
    return PHEME_OK;
  }
  if (e) return e;
  out->exists = 1;
  if (data_parse(out, out->e.data)) out->nf = 0; /* never with rows we wrote: start over */
  return PHEME_OK;
}

static pheme_err ent_save(chain_proj *p, const chain_log *l, ent *en) {
  en->e.data = data_text(p, en);
  if (!en->e.data) return PHEME_SYS_NOMEM;
  return chain_unit_put(p->u, l->block_number, &en->e);
}

static pheme_err ent_drop(chain_proj *p, const chain_log *l, ent *en) {
  if (!en->exists) return PHEME_OK;
  return chain_unit_delete(p->u, l->block_number, en->e.kind, en->e.key);
}

/* ---- exact amounts ---- */

/* Stored amounts are decimals we wrote; those of up to 38 digits (below 10^38 < 2^128) are read
 * in 128 bits, the rest by u256_parse, which also words what either refuses (read as 0). */
static void amount_of(const char *s, uint8_t out[32]) {
  pheme_error err;
  size_t n = s ? strlen(s) : 0;
  if (n >= 1 && n <= 38 && (n == 1 || s[0] != '0')) {
    unsigned __int128 v = 0;
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == n) {
      memset(out, 0, 16);
      for (int k = 31; k >= 16; k--, v >>= 8) out[k] = (uint8_t)v;
      return;
    }
  }
  if (!s || u256_parse(out, s, n, 0, &err)) memset(out, 0, 32);
}

static void u256_add(uint8_t p[32], const uint8_t q[32]) {
  unsigned carry = 0; /* mod 2^256: balances of one token never reach it */
  for (int i = 31; i >= 0; i--) {
    unsigned s = (unsigned)p[i] + q[i] + carry;
    p[i] = (uint8_t)s;
    carry = s >> 8;
  }
}

/* p -= q, or 0 when q > p (a projection never goes below zero, whatever a node claims). */
static void u256_sub_floor(uint8_t p[32], const uint8_t q[32]) {
  if (memcmp(p, q, 32) < 0) {
    memset(p, 0, 32);
    return;
  }
  unsigned borrow = 0;
  for (int i = 31; i >= 0; i--) {
    int d = (int)p[i] - q[i] - (int)borrow;
    borrow = d < 0;
    p[i] = (uint8_t)(d + (borrow ? 256 : 0));
  }
}

/* v in decimal; most values fit 128 bits (token amounts of 18 decimals), which skips the 256-bit
 * division: 19 digits at a time from 128 bits, then one at a time from 64. */
static const char *dec_write(char out[U256_DEC_MAX], const uint8_t v[32]) {
  for (int k = 0; k < 16; k++)
    if (v[k]) return u256_to_dec(out, v);
  unsigned __int128 big = 0;
  for (int k = 16; k < 32; k++) big = big << 8 | v[k];
  char *w = out + U256_DEC_MAX - 1;
  *w = 0;
  const uint64_t e19 = 10000000000000000000ULL;
  while (big >> 64) {
    uint64_t part = (uint64_t)(big % e19);
    big /= e19;
    for (int d = 0; d < 19; d++, part /= 10) *--w = (char)('0' + part % 10);
  }
  uint64_t x = (uint64_t)big;
  do {
    *--w = (char)('0' + x % 10);
    x /= 10;
  } while (x);
  return w;
}

static const char *dec_text(chain_proj *p, const uint8_t v[32]) {
  char out[U256_DEC_MAX];
  return arena_strdup(p->a, dec_write(out, v));
}

/* ---- reading fields ---- */

static const ev_field *field_of(const ev_desc *d, size_t off) {
  for (size_t i = 0; i < d->nfields; i++)
    if (d->fields[i].offset == off) return &d->fields[i];
  return NULL; /* proj_check made sure it exists */
}

static const uint8_t *at(const void *ev, const src *s) { return (const uint8_t *)ev + s->off; }

static int addr_is_zero(const uint8_t *a) {
  for (int i = 0; i < 20; i++)
    if (a[i]) return 0;
  return 1;
}

/* A numeric field as a u256. */
static void field_u256(const ev_field *f, const void *ev, uint8_t out[32]) {
  const uint8_t *v = (const uint8_t *)ev + f->offset;
  uint64_t x;
  switch (f->kind) {
    case EVK_UINT:
    case EVK_INT:
      memcpy(&x, v, sizeof x);
      u256_from_u64(out, x);
      if (f->kind == EVK_INT && (int64_t)x < 0) memset(out, 0xff, 24);
      return;
    case EVK_U256:
    case EVK_I256: memcpy(out, v, 32); return;
    default: memset(out, 0, 32);
  }
}

/* A field as key text: lowercase 0x address, decimal number, 0x hex bytes. */
static const char *field_key(chain_proj *p, const ev_field *f, const void *ev) {
  const uint8_t *v = (const uint8_t *)ev + f->offset;
  char s[U256_DEC_MAX];
  uint8_t w[32];
  switch (f->kind) {
    case EVK_ADDRESS: {
      char a[43];
      address_format_hex(a, v);
      return arena_strdup(p->a, a);
    }
    case EVK_UINT:
    case EVK_U256:
      field_u256(f, ev, w);
      return arena_strdup(p->a, dec_write(s, w));
    case EVK_INT:
    case EVK_I256:
      field_u256(f, ev, w);
      return arena_strdup(p->a, u256_to_sdec(s, w));
    case EVK_BYTES_N: {
      char *h = arena_alloc(p->a, 2 * f->size + 3);
      if (!h) return NULL;
      h[0] = '0';
      h[1] = 'x';
      bytes_to_hex(h + 2, v, f->size);
      return h;
    }
    default: return NULL; /* proj_check refuses the rest as keys */
  }
}

/* A JSON text into the arena. */
static const char *json_text(chain_proj *p, json_t *j, size_t *n) {
  if (!j) return NULL;
  char *t = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(j);
  if (!t) return NULL;
  *n = strlen(t);
  char *r = arena_strdup(p->a, t);
  free(t);
  return r;
}

/* s as a JSON string literal; plain ASCII without escapes is quoted directly. */
static const char *quoted(chain_proj *p, const char *s, size_t n, size_t *vl) {
  size_t i = 0;
  while (i < n && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') i++;
  if (i < n) return json_text(p, json_stringn(s, n), vl);
  char *q = arena_alloc(p->a, n + 3);
  if (!q) return NULL;
  q[0] = '"';
  memcpy(q + 1, s, n);
  q[n + 1] = '"';
  q[n + 2] = 0;
  *vl = n + 2;
  return q;
}

/* A source as JSON text, the form abi_decode_log gives (addresses EIP-55, numbers decimal
 * strings, bytes 0x hex, strings, arrays). */
static const char *src_json(chain_proj *p, const chain_event *ce, const chain_log *l, const void *ev,
                            const src *s, size_t *vl) {
  switch (s->k) {
    case S_TEXT: return quoted(p, s->text, strlen(s->text), vl);
    case S_RAW: *vl = strlen(s->text); return s->text;
    case S_CONTRACT: return quoted(p, chain_contracts[l->contract].manifest_name,
                                   strlen(chain_contracts[l->contract].manifest_name), vl);
    case S_EVENT: return quoted(p, ce->desc->name, strlen(ce->desc->name), vl);
    case S_TX: {
      char h[67] = "0x";
      bytes_to_hex(h + 2, l->tx_hash, 32);
      return quoted(p, h, 66, vl);
    }
    case S_ARGS: return json_text(p, ev_args_json(ce->desc, ev), vl);
    case S_SUPPORT: {
      uint8_t w[32];
      field_u256(field_of(ce->desc, s->off), ev, w);
      const char *n = u256_is_zero(w) ? "against" : (w[31] == 1 && u256_bitlen(w) == 1) ? "for" : "abstain";
      return quoted(p, n, strlen(n), vl);
    }
    case S_FIELD: break;
    case S_NONE: return NULL;
  }
  const ev_field *f = field_of(ce->desc, s->off);
  const uint8_t *v = at(ev, s);
  char t[U256_DEC_MAX];
  switch (f->kind) {
    case EVK_ADDRESS: return quoted(p, address_to_checksum(t, v), 42, vl);
    case EVK_BOOL:
      *vl = *(const bool *)v ? 4 : 5;
      return *(const bool *)v ? "true" : "false";
    case EVK_STRING: {
      const ev_bytes *b = (const ev_bytes *)v;
      return quoted(p, b->len ? (const char *)b->p : "", b->len, vl);
    }
    case EVK_BYTES:
    case EVK_ARRAY: return json_text(p, ev_field_json(f, ev), vl);
    default: {
      const char *k = field_key(p, f, ev);
      return k ? quoted(p, k, strlen(k), vl) : NULL;
    }
  }
}

/* A source as plain text (keys, amounts). */
static const char *src_text(chain_proj *p, const chain_event *ce, const chain_log *l,
                            const void *ev, const src *s) {
  switch (s->k) {
    case S_TEXT: return s->text;
    case S_CONTRACT: return chain_contracts[l->contract].manifest_name;
    case S_EVENT: return ce->desc->name;
    case S_FIELD: return field_key(p, field_of(ce->desc, s->off), ev);
    default: return NULL;
  }
}

/* ---- the generic step ---- */

static pheme_err data_apply(chain_proj *p, const chain_event *ce, const chain_log *l,
                            const void *ev, ent *en, const data_op *op) {
  if (op->verb == D_DEL) {
    data_del(en, op->name);
    return PHEME_OK;
  }
  if (op->verb == D_ADD) {
    uint8_t x[32], y[32];
    amount_of(data_str(p, en, op->name, "0"), x);
    field_u256(field_of(ce->desc, op->from.off), ev, y);
    u256_add(x, y);
    const char *t = dec_text(p, x);
    size_t vl;
    const char *v = t ? quoted(p, t, strlen(t), &vl) : NULL;
    return v ? data_set(en, op->name, v, vl) : PHEME_SYS_NOMEM;
  }
  size_t vl;
  const char *v = src_json(p, ce, l, ev, &op->from, &vl);
  return v ? data_set(en, op->name, v, vl) : PHEME_SYS_NOMEM;
}

static pheme_err rule_apply(chain_proj *p, const chain_event *ce, const chain_log *l,
                            const proj_rule *r, const void *ev) {
  if (r->custom) return r->custom(p, l, r, ev);
  if (r->unless_zero.k == S_FIELD && addr_is_zero(at(ev, &r->unless_zero))) return PHEME_OK;
  const char *parts[3] = {NULL, NULL, NULL};
  size_t kl = 0;
  int nk = 0;
  for (; nk < 3 && r->key[nk].k != S_NONE; nk++) {
    parts[nk] = src_text(p, ce, l, ev, &r->key[nk]);
    if (!parts[nk]) return PHEME_SYS_NOMEM;
    kl += strlen(parts[nk]) + 1;
  }
  char *key = arena_alloc(p->a, kl ? kl : 1);
  if (!key) return PHEME_SYS_NOMEM;
  key[0] = 0;
  for (int i = 0, w = 0; i < nk; i++) {
    if (i) key[w++] = '/';
    size_t n = strlen(parts[i]);
    memcpy(key + w, parts[i], n + 1);
    w += (int)n;
  }
  ent en;
  pheme_err e = ent_load(p, l, r->kind, key, &en);
  if (e) return e;
  if (!en.exists && r->fresh.verb != D_END && (e = data_apply(p, ce, l, ev, &en, &r->fresh))) return e;
  if (r->write == W_DROP) return ent_drop(p, l, &en);
  if (r->drop_if_zero.k == S_FIELD && addr_is_zero(at(ev, &r->drop_if_zero))) return ent_drop(p, l, &en);
  if (r->owner.k == S_FIELD) {
    memcpy(en.e.owner, at(ev, &r->owner), 20);
    en.e.has_owner = 1;
  }
  if (!en.e.amount && r->amount_default0) en.e.amount = "0";
  uint8_t before[32], x[32];
  amount_of(en.e.amount, before);
  if (r->amount != A_KEEP) {
    field_u256(field_of(ce->desc, r->amount_from.off), ev, x);
    if (r->amount == A_ADD) u256_add(x, before);
    if (r->amount == A_SUB) {
      uint8_t y[32];
      memcpy(y, before, 32);
      u256_sub_floor(y, x);
      memcpy(x, y, 32);
    }
    en.e.amount = dec_text(p, x);
    if (!en.e.amount) return PHEME_SYS_NOMEM;
  }
  for (int i = 0; i < DATA_OPS && r->data[i].verb != D_END; i++)
    if ((e = data_apply(p, ce, l, ev, &en, &r->data[i]))) return e;
  if (r->hook && (e = r->hook(p, l, r, ev, &en, before))) return e;
  if (r->write == W_SAVE_NONZERO && (!en.e.amount || strcmp(en.e.amount, "0") == 0))
    return ent_drop(p, l, &en);
  return ent_save(p, l, &en);
}

/* ---- hooks: the rules not of one shape ---- */

static pheme_err set_text(chain_proj *p, ent *en, const char *name, const char *t) {
  size_t vl;
  const char *v = t ? quoted(p, t, strlen(t), &vl) : NULL;
  return v ? data_set(en, name, v, vl) : PHEME_SYS_NOMEM;
}

static const char *tx_hex(chain_proj *p, const chain_log *l) {
  char *h = arena_alloc(p->a, 67);
  if (!h) return NULL;
  h[0] = '0';
  h[1] = 'x';
  bytes_to_hex(h + 2, l->tx_hash, 32);
  return h;
}

/* Slashed comes after the staking DelegateVotesChanged in the same transaction and needs to
 * know how much of the slash came from the active stake (the rest came from the cooldown). */
static pheme_err hook_last_drop(chain_proj *p, const chain_log *l, const proj_rule *r,
                                const void *ev, ent *en, const uint8_t before[32]) {
  uint8_t drop[32], after[32];
  memcpy(drop, before, 32);
  amount_of(en->e.amount, after);
  u256_sub_floor(drop, after);
  pheme_err e = set_text(p, en, "lastDrop", dec_text(p, drop));
  return e ? e : set_text(p, en, "lastDropTx", tx_hex(p, l));
}

static pheme_err hook_slashed(chain_proj *p, const chain_log *l, const proj_rule *r,
                              const void *ev, ent *en, const uint8_t before[32]) {
  uint8_t slashed[32], from_active[32], pending[32], total[32];
  field_u256(field_of(r->ev, r->arg[0].off), ev, slashed);
  memset(from_active, 0, 32);
  const char *tx = tx_hex(p, l);
  if (!tx) return PHEME_SYS_NOMEM;
  if (strcmp(data_str(p, en, "lastDropTx", ""), tx) == 0)
    amount_of(data_str(p, en, "lastDrop", "0"), from_active);
  uint8_t from_pending[32];
  memcpy(from_pending, slashed, 32);
  u256_sub_floor(from_pending, from_active);
  amount_of(data_str(p, en, "pending", "0"), pending);
  u256_sub_floor(pending, from_pending);
  amount_of(data_str(p, en, "slashed", "0"), total);
  u256_add(total, slashed);
  pheme_err e = set_text(p, en, "pending", dec_text(p, pending));
  return e ? e : set_text(p, en, "slashed", dec_text(p, total));
}

static const char *support_name(const uint8_t s[32]) {
  if (u256_is_zero(s)) return "against";
  return u256_bitlen(s) == 1 ? "for" : "abstain";
}

/* A vote adds its weight to its proposal's tally of its support, and counts a voter. */
static pheme_err hook_tally(chain_proj *p, const chain_log *l, const proj_rule *r, const void *ev,
                            ent *en, const uint8_t before[32]) {
  uint8_t s[32], weight[32], tally[32];
  field_u256(field_of(r->ev, r->arg[0].off), ev, s);
  field_u256(field_of(r->ev, r->arg[1].off), ev, weight);
  const char *name = support_name(s);
  amount_of(data_str(p, en, name, "0"), tally);
  u256_add(tally, weight);
  pheme_err e = set_text(p, en, name, dec_text(p, tally));
  if (e) return e;
  int i = data_find(en, "voters");
  long long voters = i >= 0 ? strtoll(en->f[i].v, NULL, 10) : 0; /* a JSON integer */
  char *v = arena_printf(p->a, "%lld", voters + 1);
  return v ? data_set(en, "voters", v, strlen(v)) : PHEME_SYS_NOMEM;
}

/* ERC-1155 TransferBatch: each (id, value) moves like a TransferSingle. */
static pheme_err badge_move(chain_proj *p, const chain_log *l, const uint8_t from[20],
                            const uint8_t to[20], const char *id, const uint8_t value[32]) {
  const uint8_t *who[2] = {from, to};
  for (int side = 0; side < 2; side++) {
    if (addr_is_zero(who[side])) continue;
    char a[43];
    address_format_hex(a, who[side]);
    const char *key = arena_printf(p->a, "%s/%s", a, id);
    if (!key) return PHEME_SYS_NOMEM;
    ent en;
    pheme_err e = ent_load(p, l, "badge_balance", key, &en);
    if (e) return e;
    memcpy(en.e.owner, who[side], 20);
    en.e.has_owner = 1;
    uint8_t x[32];
    amount_of(en.e.amount, x);
    if (side == 0) u256_sub_floor(x, value);
    else u256_add(x, value);
    if (u256_is_zero(x)) {
      if ((e = ent_drop(p, l, &en))) return e;
      continue;
    }
    en.e.amount = dec_text(p, x);
    if (!en.e.amount) return PHEME_SYS_NOMEM;
    if ((e = ent_save(p, l, &en))) return e;
  }
  return PHEME_OK;
}

static pheme_err custom_batch(chain_proj *p, const chain_log *l, const proj_rule *r,
                              const void *ev) {
  const uint8_t *from = at(ev, &r->arg[0]), *to = at(ev, &r->arg[1]);
  const ev_array *ids = (const ev_array *)at(ev, &r->arg[2]);
  const ev_array *values = (const ev_array *)at(ev, &r->arg[3]);
  pheme_err e = PHEME_OK;
  for (size_t i = 0; !e && i < ids->n; i++) {
    char s[U256_DEC_MAX];
    uint8_t v[32] = {0};
    if (i < values->n) memcpy(v, ev_array_word(values, i), 32); /* a missing value reads as 0 */
    const char *id = arena_strdup(p->a, dec_write(s, ev_array_word(ids, i)));
    e = id ? badge_move(p, l, from, to, id, v) : PHEME_SYS_NOMEM;
  }
  return e;
}

/* ---- the table ---- */

#define FIELD_(T, f) {S_FIELD, offsetof(ev_##T, f), NULL}
#define FIELD(T, f) FIELD_(T, f)
#define F(f) FIELD(T, f)
#define SUPPORT_(T, f) {S_SUPPORT, offsetof(ev_##T, f), NULL}
#define SUPPORT2(T, f) SUPPORT_(T, f)
#define SUPPORT(f) SUPPORT2(T, f)
#define EVD_(T) &ev_##T##_desc
#define EVD(T) EVD_(T)
#define TEXT(s) {S_TEXT, 0, s}
#define RAW(s) {S_RAW, 0, s}
#define CONTRACT {S_CONTRACT, 0, NULL}
#define EVENT {S_EVENT, 0, NULL}
#define TX {S_TX, 0, NULL}
#define ARGS {S_ARGS, 0, NULL}
#define SET(name, from) {D_SET, name, from}
#define ADD(name, f) {D_ADD, name, F(f)}
#define DEL(name) {D_DEL, name, {0}}
#define C(x) CC_BIT(CC_##x)
#define SETTING(E) {EVD(E), 0, "setting", {CONTRACT, EVENT}, .data = {SET("args", ARGS)}}

static const proj_rule rules[] = {
/* every contract: roles, pausing, settings */
#define T RoleGranted
    {EVD(T), 0, "role", {CONTRACT, F(role), F(account)}, F(account), .data = {SET("grantedBy", F(sender))}},
#undef T
#define T RoleRevoked
    {EVD(T), 0, "role", {CONTRACT, F(role), F(account)}, .write = W_DROP},
#undef T
#define T Paused
    {EVD(T), 0, "paused", {CONTRACT}, .data = {SET("paused", RAW("true")), SET("by", F(account))}},
#undef T
#define T Unpaused
    {EVD(T), 0, "paused", {CONTRACT}, .data = {SET("paused", RAW("false")), SET("by", F(account))}},
#undef T
    SETTING(Upgraded), SETTING(RewardStreamStarted), SETTING(CooldownSet), SETTING(TreasurySet),
    SETTING(Swept), SETTING(ProposalThresholdSet), SETTING(QuorumNumeratorUpdated),
    SETTING(TimelockChange), SETTING(VotingDelaySet), SETTING(VotingPeriodSet),
    SETTING(MinDelayChange), SETTING(RecoveryDelaySet), SETTING(ThresholdChanged),
    SETTING(MinStakeSet), SETTING(UnbondingDelaySet), SETTING(OwnershipTransferred),

/* PhemeToken */
#define T Transfer_PhemeToken
    {EVD(T), 0, "token_balance", {F(from)}, F(from), A_SUB, F(value), .write = W_SAVE_NONZERO, .unless_zero = F(from)},
    {EVD(T), 0, "token_balance", {F(to)}, F(to), A_ADD, F(value), .write = W_SAVE_NONZERO, .unless_zero = F(to)},
#undef T
#define T DelegateChanged
    {EVD(T), 0, "delegation", {F(delegator)}, F(delegator), .data = {SET("delegate", F(toDelegate))}},
#undef T
#define T DelegateVotesChanged
    {EVD(T), C(TOKEN), "token_votes", {F(delegate)}, F(delegate), A_SET, F(newVotes), .write = W_SAVE_NONZERO},
/* PhemeStaking: the "stake" entity of an account. amount: the active stake (from the staking
 * contract's DelegateVotesChanged, which every change emits); data: pending (in cooldown),
 * readyAt, locked, staked / withdrawn / slashed / rewards totals. */
    {EVD(T), C(STAKING), "stake", {F(delegate)}, F(delegate), A_SET, F(newVotes), 1, .hook = hook_last_drop},
#undef T
#define T InitialDistribution
    {EVD(T), 0, "initial_distribution", {F(recipient)}, F(recipient), A_ADD, F(amount)},
#undef T
#define T Staked
    {EVD(T), 0, "stake", {F(account)}, F(account), A_SET, F(newStake), 1, .data = {ADD("staked", amount)}},
#undef T
#define T UnstakeRequested
    {EVD(T), 0, "stake", {F(account)}, F(account), A_SET, F(newStake), 1,
     .data = {ADD("pending", amount), SET("readyAt", F(readyAt))}},
#undef T
#define T Withdrawn
    {EVD(T), 0, "stake", {F(account)}, F(account), .amount_default0 = 1,
     .data = {SET("pending", TEXT("0")), DEL("readyAt"), ADD("withdrawn", amount)}},
#undef T
#define T RewardPaid
    {EVD(T), 0, "stake", {F(account)}, F(account), .amount_default0 = 1, .data = {ADD("rewardsPaid", amount)}},
#undef T
#define T StakeLocked
    {EVD(T), 0, "stake", {F(account)}, F(account), .amount_default0 = 1, .data = {SET("locked", F(amount))}},
#undef T
#define T Slashed
    {EVD(T), 0, "stake", {F(account)}, F(account), .amount_default0 = 1, .arg = {F(amount)}, .hook = hook_slashed},
#undef T
#define T RewardsFunded
    {EVD(T), 0, "staking_pool", {TEXT("rewards")}, .amount = A_ADD, .amount_from = F(amount)},
#undef T

/* RewardDistributor */
#define T RootPublished
    {EVD(T), 0, "reward_epoch", {F(epoch)}, .amount = A_SET, .amount_from = F(totalCumulative),
     .data = {SET("root", F(root))}},
#undef T
#define T Claimed
    {EVD(T), 0, "reward_claim", {F(account), F(epoch)}, F(account), A_ADD, F(amount),
     .data = {SET("epoch", F(epoch)), SET("cumulative", F(cumulativeAmount))}},
    /* cumulative: the claim's own total */
    {EVD(T), 0, "reward_total", {F(account)}, F(account), A_SET, F(cumulativeAmount)},
#undef T

/* PhemeGovernor: a proposal seen first through a vote (made before indexing) is "unknown" */
#define T ProposalCreated
    {EVD(T), 0, "proposal", {F(proposalId)}, F(proposer),
     .data = {SET("targets", F(targets)), SET("values", F(values)), SET("signatures", F(signatures)),
              SET("calldatas", F(calldatas)), SET("voteStart", F(voteStart)), SET("voteEnd", F(voteEnd)),
              SET("description", F(description)), SET("proposer", F(proposer)), SET("status", TEXT("created")),
              SET("createdTx", TX)}},
#undef T
#define T ProposalCanceled
    {EVD(T), 0, "proposal", {F(proposalId)}, .data = {SET("status", TEXT("canceled"))}},
#undef T
#define T ProposalQueued
    {EVD(T), 0, "proposal", {F(proposalId)}, .data = {SET("status", TEXT("queued")), SET("eta", F(etaSeconds))}},
#undef T
#define T ProposalExecuted
    {EVD(T), 0, "proposal", {F(proposalId)}, .data = {SET("status", TEXT("executed"))}},
#undef T
#define T VoteCast
    {EVD(T), 0, "vote", {F(proposalId), F(voter)}, F(voter), A_SET, F(weight),
     .data = {SET("support", SUPPORT(support)), SET("reason", F(reason))}},
    {EVD(T), 0, "proposal", {F(proposalId)}, .fresh = SET("status", TEXT("unknown")), .arg = {F(support), F(weight)},
     .hook = hook_tally},
#undef T
#define T VoteCastWithParams
    {EVD(T), 0, "vote", {F(proposalId), F(voter)}, F(voter), A_SET, F(weight),
     .data = {SET("support", SUPPORT(support)), SET("reason", F(reason))}},
    {EVD(T), 0, "proposal", {F(proposalId)}, .fresh = SET("status", TEXT("unknown")), .arg = {F(support), F(weight)},
     .hook = hook_tally},
#undef T
#define T VoteWeighted
    {EVD(T), 0, "vote", {F(proposalId), F(voter)}, F(voter),
     .data = {SET("rawWeight", F(rawWeight)), SET("reputation", F(reputation))}},
#undef T

/* SkillWallet */
#define T Transfer_SkillWallet
    {EVD(T), 0, "skill_wallet", {F(tokenId)}, F(to), .drop_if_zero = F(to), .data = {SET("holder", F(to))}},
#undef T
#define T SkillDefined
    {EVD(T), 0, "skill", {F(skillId)}, .data = {SET("name", F(name))}},
#undef T
#define T SkillProgress
    {EVD(T), 0, "wallet_skill", {F(tokenId), F(skillId)},
     .data = {SET("tokenId", F(tokenId)), SET("skillId", F(skillId)), SET("level", F(level)), SET("xp", F(xp))}},
#undef T
#define T Endorsed
    {EVD(T), 0, "endorsement", {F(toTokenId), F(fromTokenId), F(skillId)},
     .data = {SET("from", F(fromTokenId)), SET("to", F(toTokenId)), SET("skillId", F(skillId))}},
#undef T
#define T EndorsementRevoked
    {EVD(T), 0, "endorsement", {F(toTokenId), F(fromTokenId), F(skillId)}, .write = W_DROP},
#undef T
#define T GuardiansSet
    {EVD(T), 0, "guardians", {F(tokenId)}, .data = {SET("guardians", F(guardians)), SET("threshold", F(threshold))}},
#undef T
#define T RecoveryApproved
    {EVD(T), 0, "recovery", {F(tokenId)}, .data = {SET("newOwner", F(newOwner)), SET("approvals", F(approvals))}},
#undef T
#define T RecoveryReady
    {EVD(T), 0, "recovery", {F(tokenId)}, .data = {SET("newOwner", F(newOwner)), SET("readyAt", F(readyAt))}},
#undef T
#define T RecoveryCancelled
    {EVD(T), 0, "recovery", {F(tokenId)}, .write = W_DROP},
#undef T
#define T WalletRecovered
    {EVD(T), 0, "recovery", {F(tokenId)}, .write = W_DROP},
#undef T

/* PhemeBadges */
#define T BadgeTypeCreated
    {EVD(T), 0, "badge_type", {F(id)},
     .data = {SET("rarity", F(rarity)), SET("soulbound", F(soulbound)), SET("maxSupply", F(maxSupply)),
              SET("validity", F(validity)), SET("uri", F(uri))}},
#undef T
#define T BadgeUriSet
    {EVD(T), 0, "badge_type", {F(id)}, .data = {SET("uri", F(uri))}},
#undef T
#define T TransferSingle
    {EVD(T), 0, "badge_balance", {F(from), F(id)}, F(from), A_SUB, F(value), .write = W_SAVE_NONZERO, .unless_zero = F(from)},
    {EVD(T), 0, "badge_balance", {F(to), F(id)}, F(to), A_ADD, F(value), .write = W_SAVE_NONZERO, .unless_zero = F(to)},
#undef T
#define T TransferBatch
    {EVD(T), 0, "badge_balance", .arg = {F(from), F(to), F(ids), F(values)}, .custom = custom_batch},
#undef T
#define T BadgeRevoked
    {EVD(T), 0, "badge_revocation", {F(account), F(id)}, F(account), A_ADD, F(amount),
     .data = {SET("badgeId", F(id)), SET("by", F(by)), SET("reason", F(reason))}},
#undef T
#define T BadgeExpiry
    {EVD(T), 0, "badge_expiry", {F(account), F(id)}, F(account), .data = {SET("expiresAt", F(expiresAt))}},
#undef T
#define T VoucherRedeemed
    {EVD(T), 0, "voucher", {F(issuer), F(nonce)}, F(recipient), A_SET, F(amount), .data = {SET("badgeId", F(id))}},
#undef T

/* ReputationOracle */
#define T RoundSubmitted
    {EVD(T), 0, "oracle_round", {F(round)},
     .data = {SET("root", F(root)), SET("userCount", F(userCount)), SET("signerCount", F(signerCount)),
              SET("timepoint", F(timepoint))}},
#undef T
#define T ScoreUpdated
    {EVD(T), 0, "reputation", {F(user)}, F(user), .data = {SET("round", F(round)), SET("score", F(score))}},
#undef T
#define T ValidatorAdded
    {EVD(T), 0, "oracle_validator", {F(validator)}, F(validator)},
#undef T
#define T ValidatorRemoved
    {EVD(T), 0, "oracle_validator", {F(validator)}, .write = W_DROP},
#undef T

/* ValidatorRegistry */
#define T ValidatorRegistered
    {EVD(T), 0, "validator", {F(validator)}, F(validator),
     .data = {SET("domains", F(domains)), SET("registeredStake", F(stake)), SET("status", TEXT("active")), DEL("readyAt")}},
#undef T
#define T DomainsUpdated
    {EVD(T), 0, "validator", {F(validator)}, F(validator), .data = {SET("domains", F(domains))}},
#undef T
#define T UnbondingRequested
    {EVD(T), 0, "validator", {F(validator)}, F(validator),
     .data = {SET("status", TEXT("unbonding")), SET("readyAt", F(readyAt))}},
#undef T
#define T ValidatorExited
    {EVD(T), 0, "validator", {F(validator)}, F(validator), .data = {SET("status", TEXT("exited"))}},
#undef T
#define T ValidatorSlashed
    {EVD(T), 0, "validator", {F(validator)}, F(validator), A_ADD, F(amount), .data = {SET("lastSlashReason", F(reason))}},
#undef T
};

static int rule_matches(const proj_rule *r, const ev_desc *d, chain_contract c) {
  return r->ev == d && (!r->contracts || (r->contracts & CC_BIT(c)));
}

int proj_exists(const ev_desc *d, chain_contract c) {
  for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
    if (rule_matches(&rules[i], d, c)) return 1;
  return 0;
}

pheme_err proj_apply(chain_proj *p, const chain_event *e, const chain_log *l, const void *ev) {
  pheme_err err = PHEME_OK;
  for (size_t i = 0; !err && i < ARRAY_SIZE(rules); i++)
    if (rule_matches(&rules[i], e->desc, l->contract)) err = rule_apply(p, e, l, &rules[i], ev);
  return err;
}

/* ---- the table's own check ---- */

static int check_src(const proj_rule *r, const src *s, const char *what, int want) {
  if (s->k != S_FIELD && s->k != S_SUPPORT) return 0;
  const ev_field *f = field_of(r->ev, s->off);
  if (!f) {
    log_error("projection rule %s of %s: %s names no field", r->kind, r->ev->name, what);
    return -1;
  }
  int ok = 1;
  switch (want) {
    case 'a': ok = f->kind == EVK_ADDRESS; break;                                     /* address */
    case 'n': ok = f->kind == EVK_UINT || f->kind == EVK_U256 || f->kind == EVK_INT || /* number */
                   f->kind == EVK_I256; break;
    case 'k': ok = f->kind != EVK_BOOL && f->kind != EVK_BYTES && f->kind != EVK_STRING && /* key */
                   f->kind != EVK_ARRAY; break;
    case 'u': ok = f->kind == EVK_ARRAY && (f->elem == EVK_U256 || f->elem == EVK_UINT); break;
    default: break;
  }
  if (!ok) log_error("projection rule %s of %s: field '%s' cannot be the %s", r->kind, r->ev->name, f->name, what);
  return ok ? 0 : -1;
}

pheme_err proj_check(void) {
  int bad = 0;
  for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
    const proj_rule *r = &rules[i];
    for (int k = 0; k < 3; k++) bad |= check_src(r, &r->key[k], "key", 'k');
    bad |= check_src(r, &r->owner, "owner", 'a');
    bad |= check_src(r, &r->unless_zero, "unless-zero address", 'a');
    bad |= check_src(r, &r->drop_if_zero, "drop-if-zero address", 'a');
    if (r->amount != A_KEEP) bad |= check_src(r, &r->amount_from, "amount", 'n');
    for (int k = 0; k < DATA_OPS && r->data[k].verb != D_END; k++)
      bad |= check_src(r, &r->data[k].from, r->data[k].name, r->data[k].verb == D_ADD ? 'n' : 0);
    if (r->data[DATA_OPS - 1].verb != D_END) bad = -1; /* no end marker room: a table bug */
    if (r->hook == hook_slashed) bad |= check_src(r, &r->arg[0], "slashed amount", 'n');
    if (r->hook == hook_tally)
      bad |= check_src(r, &r->arg[0], "support", 'n') | check_src(r, &r->arg[1], "weight", 'n');
    if (r->custom == custom_batch)
      bad |= check_src(r, &r->arg[0], "from", 'a') | check_src(r, &r->arg[1], "to", 'a') |
             check_src(r, &r->arg[2], "ids", 'u') | check_src(r, &r->arg[3], "values", 'u');
  }
  return bad ? PHEME_SYS_INTERNAL : PHEME_OK;
}
