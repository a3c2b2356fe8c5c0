/* Revert decoding through a table of error signatures; see revert.h. The table is an array of
 * parsed signatures with their selectors, looked up linearly: a suite has a few dozen errors and
 * a revert is decoded once per failed transaction. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/revert.h"
#include "chain/contracts.h"
#include "core/buf.h"
#include "core/util.h"
#include "eth/abi.h"
#include "eth/hex.h"
#include "core/banned.h"

#define REVERT_MAX_ERRORS 4096
#define REVERT_MAX_DATA (1u << 20)
#define REVERT_MAX_TEXT 400

typedef struct {
  abi_sig sig;
  uint8_t selector[4];
  const char *canonical;
} revert_entry;

struct revert_table {
  arena a; /* parsed types and canonical texts */
  revert_entry *e;
  size_t n, cap;
};

/* Panic(uint256) codes as Solidity documents them. */
static const struct {
  unsigned code;
  const char *what;
} panics[] = {
    {0x00, "generic compiler panic"},   {0x01, "assertion failed"},
    {0x11, "arithmetic overflow or underflow"}, {0x12, "division or modulo by zero"},
    {0x21, "invalid enum value"},       {0x22, "corrupt storage byte array"},
    {0x31, "pop on an empty array"},    {0x32, "array index out of bounds"},
    {0x41, "too much memory allocated"}, {0x51, "call to an uninitialised function"},
};

pheme_err revert_table_add(revert_table *t, const char *sig, char *err, size_t errlen) {
  abi_sig s;
  pheme_error ee;
  pheme_err e = abi_sig_parse(&t->a, sig, strlen(sig), &s, &ee);
  if (e) {
    snprintf(err, errlen, "error signature '%.120s': %s", sig, ee.msg);
    return e == PHEME_SYS_NOMEM ? e : PHEME_DATA_INVALID;
  }
  uint8_t sel[4];
  abi_sig_selector(sel, &s);
  for (size_t i = 0; i < t->n; i++)
    if (memcmp(t->e[i].selector, sel, 4) == 0) return PHEME_OK;
  if (t->n == REVERT_MAX_ERRORS) {
    snprintf(err, errlen, "more than %d error signatures", REVERT_MAX_ERRORS);
    return PHEME_DATA_INVALID;
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    revert_entry *ne = realloc(t->e, cap * sizeof *ne);
    if (!ne) return snprintf(err, errlen, "out of memory"), PHEME_SYS_NOMEM;
    t->e = ne;
    t->cap = cap;
  }
  buf b;
  buf_init(&b, 4096);
  if (abi_sig_canonical(&b, &s)) {
    buf_release(&b);
    return snprintf(err, errlen, "error signature '%.120s' is too long", sig), PHEME_DATA_INVALID;
  }
  const char *canon = arena_strdup(&t->a, b.data);
  buf_release(&b);
  if (!canon) return snprintf(err, errlen, "out of memory"), PHEME_SYS_NOMEM;
  t->e[t->n].sig = s;
  memcpy(t->e[t->n].selector, sel, 4);
  t->e[t->n].canonical = canon;
  t->n++;
  return PHEME_OK;
}

revert_table *revert_table_new(const char *const *sigs, size_t n, char *err, size_t errlen) {
  revert_table *t = calloc(1, sizeof *t);
  if (!t) return snprintf(err, errlen, "out of memory"), NULL;
  arena_init(&t->a, 0);
  if (revert_table_add(t, "Error(string)", err, errlen) ||
      revert_table_add(t, "Panic(uint256)", err, errlen)) {
    revert_table_free(t);
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    if (revert_table_add(t, sigs[i], err, errlen)) {
      revert_table_free(t);
      return NULL;
    }
  return t;
}

void revert_table_free(revert_table *t) {
  if (!t) return;
  arena_release(&t->a);
  free(t->e);
  free(t);
}

size_t revert_table_size(const revert_table *t) { return t->n; }

pheme_err revert_table_add_suite(revert_table *t, char *err, size_t errlen) {
  for (size_t c = 0; c < CONTRACTS_SUITE_COUNT; c++)
    for (size_t i = 0; i < contracts_suite[c]->n_errors; i++) {
      pheme_err e = revert_table_add(t, contracts_suite[c]->errors[i].canonical, err, errlen);
      if (e) return e;
    }
  return PHEME_OK;
}

static revert_table *suite_table;
static pthread_once_t suite_once = PTHREAD_ONCE_INIT;

static void suite_build(void) {
  char err[256];
  revert_table *t = revert_table_new(NULL, 0, err, sizeof err);
  if (t && revert_table_add_suite(t, err, sizeof err)) PHEME_BUG("suite error signature: %s", err);
  suite_table = t;
}

const revert_table *revert_suite(void) {
  pthread_once(&suite_once, suite_build);
  return suite_table;
}

/* Appends the type of one ABI parameter, expanding "tuple…" into "(components)…". */
static int abi_param_type(buf *b, const json_t *p, int depth) {
  const char *type = json_string_value(json_object_get(p, "type"));
  if (!type || depth > 32) return -1;
  if (strncmp(type, "tuple", 5) != 0) return buf_adds(b, type);
  const json_t *comps = json_object_get(p, "components");
  if (!json_is_array(comps) || buf_addc(b, '(')) return -1;
  for (size_t i = 0; i < json_array_size(comps); i++)
    if ((i && buf_addc(b, ',')) || abi_param_type(b, json_array_get(comps, i), depth + 1))
      return -1;
  return buf_addc(b, ')') || buf_adds(b, type + 5) ? -1 : 0; /* the array suffix, if any */
}

pheme_err revert_table_add_abi(revert_table *t, const json_t *abi, char *err, size_t errlen) {
  if (!json_is_array(abi)) return snprintf(err, errlen, "abi is not a list"), PHEME_DATA_INVALID;
  for (size_t i = 0; i < json_array_size(abi); i++) {
    const json_t *ent = json_array_get(abi, i);
    if (!json_is_object(ent) || !json_is_string(json_object_get(ent, "type")) ||
        strcmp(json_string_value(json_object_get(ent, "type")), "error") != 0)
      continue;
    const char *name = json_string_value(json_object_get(ent, "name"));
    const json_t *in = json_object_get(ent, "inputs");
    buf b;
    buf_init(&b, 4096);
    int bad = !name || !json_is_array(in) || buf_adds(&b, name) || buf_addc(&b, '(');
    for (size_t k = 0; !bad && k < json_array_size(in); k++)
      bad = (k && buf_addc(&b, ',')) || abi_param_type(&b, json_array_get(in, k), 0);
    bad = bad || buf_addc(&b, ')');
    pheme_err e = bad ? PHEME_DATA_INVALID : revert_table_add(t, b.data, err, errlen);
    if (bad) snprintf(err, errlen, "abi entry %zu is not a well-formed error", i);
    buf_release(&b);
    if (e) return e;
  }
  return PHEME_OK;
}

pheme_err revert_table_add_artifacts(revert_table *t, const char *dir, char *err, size_t errlen) {
  DIR *d = opendir(dir);
  if (!d) return snprintf(err, errlen, "cannot open artifacts folder '%s'", dir), PHEME_SYS_IO;
  pheme_err e = PHEME_OK;
  struct dirent *de;
  while (!e && (de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    json_error_t je;
    json_t *art = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!art) {
      snprintf(err, errlen, "artifact '%s': %s", path, je.text);
      e = PHEME_DATA_INVALID;
      break;
    }
    char inner[256];
    e = revert_table_add_abi(t, json_object_get(art, "abi"), inner, sizeof inner);
    if (e) snprintf(err, errlen, "artifact '%s': %s", path, inner);
    json_decref(art);
  }
  closedir(d);
  return e;
}

static const char *panic_text(arena *a, const json_t *args) {
  const char *code = json_string_value(json_array_get(args, 0));
  long long c = -1;
  if (code && parse_int(code, 0, 0xffff, &c) == 0)
    for (size_t i = 0; i < ARRAY_SIZE(panics); i++)
      if (panics[i].code == (unsigned)c)
        return arena_printf(a, "Panic(0x%02x: %s)", (unsigned)c, panics[i].what);
  return arena_printf(a, "Panic(%s)", code ? code : "?");
}

pheme_err revert_decode(const revert_table *t, arena *a, const uint8_t *data, size_t n,
                        revert_info *out) {
  memset(out, 0, sizeof *out);
  out->args_json = "[]";
  if (n == 0) {
    out->text = "no revert data";
    return PHEME_OK;
  }
  if (n < 4 || n > REVERT_MAX_DATA) {
    out->text = arena_printf(a, "revert data of %zu bytes is not an error", n);
    return out->text ? PHEME_OK : PHEME_SYS_NOMEM;
  }
  const revert_entry *en = NULL;
  for (size_t i = 0; i < t->n && !en; i++)
    if (memcmp(t->e[i].selector, data, 4) == 0) en = &t->e[i];
  char sel[HEX_LEN(4) + 1];
  hex_encode(sel, data, 4);
  json_t *args = NULL;
  if (!en || abi_decode_call(&en->sig, data, n, &args, NULL)) {
    out->text = en ? arena_printf(a, "%s with arguments that do not decode (%zu bytes)",
                                  en->canonical, n)
                   : arena_printf(a, "unknown error %s (%zu bytes)", sel, n);
    return out->text ? PHEME_OK : PHEME_SYS_NOMEM;
  }
  char *dump = json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY);
  out->known = 1;
  out->name = en->sig.name;
  out->signature = en->canonical;
  out->args_json = dump ? arena_strdup(a, dump) : NULL;
  if (strcmp(en->sig.name, "Panic") == 0 && en->sig.params->n_fields == 1) {
    out->text = panic_text(a, args);
  } else if (dump) {
    size_t dl = strlen(dump); /* "[…]" → "Name(…)", long argument lists cut */
    size_t inner = dl >= 2 ? dl - 2 : 0;
    if (inner > REVERT_MAX_TEXT) out->text = arena_printf(a, "%s(%.*s…)", en->sig.name, REVERT_MAX_TEXT, dump + 1);
    else out->text = arena_printf(a, "%s(%.*s)", en->sig.name, (int)inner, dump + 1);
  }
  free(dump);
  json_decref(args);
  return out->args_json && out->text ? PHEME_OK : PHEME_SYS_NOMEM;
}

pheme_err revert_data_from_rpc(arena *a, const char *data_json, uint8_t **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!data_json) return PHEME_DATA_INVALID;
  json_t *j = json_loads(data_json, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
  if (!j) return PHEME_DATA_INVALID;
  const json_t *s = j;
  if (json_is_object(j)) {
    s = json_object_get(j, "data");
    if (!json_is_string(s)) s = json_object_get(json_object_get(j, "originalError"), "data");
  }
  pheme_err e = PHEME_DATA_INVALID;
  const char *hex = json_string_value(s);
  size_t len = json_string_length(s);
  if (hex && len >= 2 && len <= 2 + 2 * (size_t)REVERT_MAX_DATA) {
    size_t cap = (len - 2) / 2;
    *out = arena_alloc(a, cap ? cap : 1);
    if (!*out) e = PHEME_SYS_NOMEM;
    else e = hex_decode(*out, cap, n, hex, len, 0, NULL) ? PHEME_DATA_INVALID : PHEME_OK;
  }
  json_decref(j);
  if (e) {
    *out = NULL;
    *n = 0;
  }
  return e;
}
