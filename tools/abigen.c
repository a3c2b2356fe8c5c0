/* abigen: writes PHEME's contract bindings from the committed artifacts.
 *
 *   abigen [--events EVENTS.h EVENTS.c] OUT.h OUT.c contracts/artifacts/A.json ...
 *
 * Each artifact ({"contractName","abi","bytecode",...}, exported by contracts/tools/artifacts.js)
 * becomes a contract_info table (functions with selectors, events with topics, custom errors with
 * selectors, the creation bytecode) and one typed C function per ABI function and constructor:
 * ct_<Contract>_<function>() encodes calldata from C values, ct_<Contract>_<function>_result()
 * decodes what an eth_call returned, ct_<Contract>_deploy() makes the creation code. The types
 * are src/chain/contracts.h's; the bindings run at build time (CMake), so they can never drift
 * from the committed ABIs, and the artifacts are themselves checked against a fresh forge build.
 * With --events, it also writes the typed event decoders (one struct, decoder and field table per
 * event; src/chain/evdec.h), which the indexer's projections read.
 *
 * Selectors and topics are computed with src/eth (abi_sig_parse, abi_sig_canonical, Keccak-256),
 * the same code that decodes at run time. Exit status 1 with a message on any malformed input. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "eth/abi.h"
#include "eth/hex.h"

#include "core/banned.h"

static const char *current; /* artifact being read, for messages */

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "abigen: %s: ", current ? current : "-");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void out(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = buf_vprintf(b, fmt, ap);
  va_end(ap);
  if (rc) die("output too large");
}

static const char *str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

/* The type text of an ABI parameter: tuples spelled out from their components, with field names
 * when names is set ("(uint256 id,address to)[]"). */
static void type_text(buf *b, const json_t *p, int names) {
  const char *t = str(p, "type");
  if (strncmp(t, "tuple", 5) == 0) {
    const json_t *comps = json_object_get(p, "components");
    if (!json_is_array(comps)) die("tuple without components");
    out(b, "(");
    for (size_t i = 0; i < json_array_size(comps); i++) {
      const json_t *c = json_array_get(comps, i);
      if (i) out(b, ",");
      type_text(b, c, names);
      if (names && *str(c, "name")) out(b, " %s", str(c, "name"));
    }
    out(b, ")%s", t + 5);
    return;
  }
  if (!*t) die("parameter without a type");
  out(b, "%s", t);
}

/* "name(type [indexed] name,...)" for abi_sig_parse. */
static void sig_text(buf *b, const char *name, const json_t *params, int indexed) {
  out(b, "%s(", name);
  for (size_t i = 0; i < json_array_size(params); i++) {
    const json_t *p = json_array_get(params, i);
    if (i) out(b, ",");
    type_text(b, p, 1);
    if (indexed && json_is_true(json_object_get(p, "indexed"))) out(b, " indexed");
    if (*str(p, "name")) out(b, " %s", str(p, "name"));
  }
  out(b, ")");
}

/* Parses sig with src/eth and returns its canonical text (arena) and selector / topic. */
static const char *canonical(arena *a, const char *sig, uint8_t sel[4], uint8_t topic[32]) {
  abi_sig s;
  pheme_error e;
  if (abi_sig_parse(a, sig, strlen(sig), &s, &e)) die("signature '%s': %s", sig, e.msg);
  buf c;
  buf_init(&c, 1 << 16);
  if (abi_sig_canonical(&c, &s)) die("signature '%s' too long", sig);
  if (sel) abi_sig_selector(sel, &s);
  if (topic) abi_sig_topic(topic, &s);
  char *r = arena_strdup(a, c.data);
  buf_release(&c);
  if (!r) die("out of memory");
  return r;
}

static void bytes_lit(buf *b, const uint8_t *p, size_t n) {
  out(b, "{");
  for (size_t i = 0; i < n; i++) out(b, "%s0x%02x", i ? "," : "", p[i]);
  out(b, "}");
}

/* ---- C types of parameters ---- */

typedef enum { CT_ADDRESS, CT_BOOL, CT_U64, CT_I64, CT_WORD_U, CT_WORD_I, CT_BYTES_N, CT_BYTES,
               CT_STRING, CT_JSON } ctype;

static ctype ctype_of(const char *t, unsigned *n) {
  *n = 0;
  if (strchr(t, '[') || strncmp(t, "tuple", 5) == 0) return CT_JSON;
  if (strcmp(t, "address") == 0) return CT_ADDRESS;
  if (strcmp(t, "bool") == 0) return CT_BOOL;
  if (strcmp(t, "string") == 0) return CT_STRING;
  if (strcmp(t, "bytes") == 0) return CT_BYTES;
  if (strncmp(t, "bytes", 5) == 0) {
    *n = (unsigned)atoi(t + 5);
    return CT_BYTES_N;
  }
  if (strncmp(t, "uint", 4) == 0) {
    unsigned bits = t[4] ? (unsigned)atoi(t + 4) : 256;
    return bits <= 64 ? CT_U64 : CT_WORD_U;
  }
  if (strncmp(t, "int", 3) == 0) {
    unsigned bits = t[3] ? (unsigned)atoi(t + 3) : 256;
    return bits <= 64 ? CT_I64 : CT_WORD_I;
  }
  die("unknown type '%s'", t);
}

/* A parameter's C name: a_<abi name>, or a<k> when unnamed (o_/o<k> for outputs). */
static void pname(char *dst, size_t cap, const json_t *p, size_t k, const char *prefix) {
  const char *n = str(p, "name");
  if (*n)
    snprintf(dst, cap, "%s_%s", prefix, n);
  else
    snprintf(dst, cap, "%s%zu", prefix, k);
}

static void in_decl(buf *b, const json_t *p, size_t k) {
  char nm[128];
  pname(nm, sizeof nm, p, k, "a");
  unsigned n;
  switch (ctype_of(str(p, "type"), &n)) {
  case CT_ADDRESS: out(b, ", const uint8_t %s[20]", nm); break;
  case CT_BOOL: out(b, ", int %s", nm); break;
  case CT_U64: out(b, ", uint64_t %s", nm); break;
  case CT_I64: out(b, ", int64_t %s", nm); break;
  case CT_WORD_U:
  case CT_WORD_I: out(b, ", const uint8_t %s[32]", nm); break;
  case CT_BYTES_N: out(b, ", const uint8_t %s[%u]", nm, n); break;
  case CT_BYTES: out(b, ", const uint8_t *%s, size_t %s_len", nm, nm); break;
  case CT_STRING: out(b, ", const char *%s", nm); break;
  case CT_JSON: out(b, ", const json_t *%s", nm); break;
  }
}

static void in_value(buf *b, const json_t *p, size_t k) {
  char nm[128];
  pname(nm, sizeof nm, p, k, "a");
  unsigned n;
  switch (ctype_of(str(p, "type"), &n)) {
  case CT_ADDRESS: out(b, "contracts_json_address(%s)", nm); break;
  case CT_BOOL: out(b, "json_boolean(%s)", nm); break;
  case CT_U64: out(b, "contracts_json_u64(%s)", nm); break;
  case CT_I64: out(b, "contracts_json_i64(%s)", nm); break;
  case CT_WORD_U: out(b, "contracts_json_uint(%s)", nm); break;
  case CT_WORD_I: out(b, "contracts_json_int(%s)", nm); break;
  case CT_BYTES_N: out(b, "contracts_json_bytes(%s, %u)", nm, n); break;
  case CT_BYTES: out(b, "contracts_json_bytes(%s, %s_len)", nm, nm); break;
  case CT_STRING: out(b, "contracts_json_string(%s)", nm); break;
  case CT_JSON: out(b, "json_deep_copy(%s)", nm); break;
  }
}

static void out_decl(buf *b, const json_t *p, size_t k) {
  char nm[128];
  pname(nm, sizeof nm, p, k, "o");
  unsigned n;
  switch (ctype_of(str(p, "type"), &n)) {
  case CT_ADDRESS: out(b, ", uint8_t %s[20]", nm); break;
  case CT_BOOL: out(b, ", int *%s", nm); break;
  case CT_U64: out(b, ", uint64_t *%s", nm); break;
  case CT_I64: out(b, ", int64_t *%s", nm); break;
  case CT_WORD_U:
  case CT_WORD_I: out(b, ", uint8_t %s[32]", nm); break;
  case CT_BYTES_N: out(b, ", uint8_t %s[%u]", nm, n); break;
  default: out(b, ", json_t **%s", nm); break;
  }
}

static int out_is_json(const json_t *p) {
  unsigned n;
  ctype c = ctype_of(str(p, "type"), &n);
  return c == CT_BYTES || c == CT_STRING || c == CT_JSON;
}

static void out_take(buf *b, const json_t *p, size_t k) {
  char nm[128];
  pname(nm, sizeof nm, p, k, "o");
  unsigned n;
  const char *fn = NULL;
  switch (ctype_of(str(p, "type"), &n)) {
  case CT_ADDRESS: fn = "contracts_take_address"; break;
  case CT_BOOL: fn = "contracts_take_bool"; break;
  case CT_U64: fn = "contracts_take_u64"; break;
  case CT_I64: fn = "contracts_take_i64"; break;
  case CT_WORD_U: fn = "contracts_take_uint"; break;
  case CT_WORD_I: fn = "contracts_take_int"; break;
  case CT_BYTES_N:
    out(b, "  if (!e) e = contracts_take_bytes(json_array_get(v, %zu), %s, %u, err);\n", k, nm, n);
    return;
  default: return; /* json outputs are handed over after every typed one succeeded */
  }
  out(b, "  if (!e) e = %s(json_array_get(v, %zu), %s, err);\n", fn, k, nm);
}

/* ---- one contract ---- */

typedef struct {
  const json_t *abi;
  const char *name;
} artifact;

/* A C-safe version of an ABI name (they are identifiers already; checked here). */
static void check_ident(const char *s) {
  if (!*s) die("empty name");
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      die("name '%s' is not an identifier", s);
}

/* The C suffix of a function: its name, plus the canonical parameter types when the name is
 * overloaded and this is not the overload with the fewest parameters. */
static void fn_cname(char *dst, size_t cap, const json_t *abi, const json_t *f) {
  const char *name = str(f, "name");
  size_t mine = json_array_size(json_object_get(f, "inputs"));
  int overloaded = 0, fewest = 1;
  size_t i;
  const json_t *g;
  json_array_foreach(abi, i, g) {
    if (g == f || strcmp(str(g, "type"), "function") || strcmp(str(g, "name"), name)) continue;
    overloaded = 1;
    size_t theirs = json_array_size(json_object_get(g, "inputs"));
    if (theirs < mine || (theirs == mine && g < f)) fewest = 0;
  }
  if (!overloaded || fewest) {
    snprintf(dst, cap, "%s", name);
    return;
  }
  buf b;
  buf_init(&b, 4096);
  out(&b, "%s", name);
  const json_t *p;
  json_array_foreach(json_object_get(f, "inputs"), i, p) {
    buf t;
    buf_init(&t, 4096);
    type_text(&t, p, 0);
    out(&b, "_");
    for (const char *c = t.data; *c; c++)
      out(&b, "%c", (*c == '[' || *c == '(' || *c == ',') ? '_' : (*c == ']' || *c == ')') ? 'A' : *c);
    buf_release(&t);
  }
  snprintf(dst, cap, "%s", b.data);
  buf_release(&b);
}

static void gen_contract(buf *h, buf *c, arena *a, const artifact *art, const char *bytecode_hex) {
  const char *cn = art->name;
  check_ident(cn);
  const json_t *abi = art->abi;
  size_t i;
  const json_t *it;

  /* bytecode */
  size_t hl = strlen(bytecode_hex);
  if (hl < 2 || hl % 2) die("bytecode is not 0x and whole bytes");
  size_t blen = (hl - 2) / 2;
  uint8_t *code = malloc(blen ? blen : 1);
  size_t got;
  pheme_error e;
  if (!code || hex_decode(code, blen, &got, bytecode_hex, hl, 0, &e)) die("bytecode: %s", code ? e.msg : "no memory");
  out(c, "\nstatic const uint8_t ct_%s_bytecode[%zu] = {", cn, blen ? blen : 1);
  for (size_t k = 0; k < blen; k++) out(c, "%s%s0x%02x", k ? "," : "", k % 24 == 0 ? "\n  " : "", code[k]);
  if (!blen) out(c, "0");
  out(c, "};\n");
  free(code);

  /* functions */
  size_t nf = 0;
  out(c, "\nconst contract_function ct_%s_functions[] = {\n", cn);
  out(h, "\n/* ---- %s ---- */\nextern const contract_info ct_%s;\nextern const contract_function ct_%s_functions[];\n",
      cn, cn, cn);
  json_array_foreach(abi, i, it) {
    if (strcmp(str(it, "type"), "function")) continue;
    check_ident(str(it, "name"));
    buf s, o;
    buf_init(&s, 1 << 16);
    buf_init(&o, 1 << 16);
    sig_text(&s, str(it, "name"), json_object_get(it, "inputs"), 0);
    sig_text(&o, "", json_object_get(it, "outputs"), 0);
    uint8_t sel[4];
    const char *can = canonical(a, s.data, sel, NULL);
    out(c, "  {\"%s\", \"%s\", \"%s\", \"%s\", \"%s\", ", str(it, "name"), s.data, can, o.data,
        str(it, "stateMutability"));
    bytes_lit(c, sel, 4);
    out(c, "},\n");
    buf_release(&s);
    buf_release(&o);
    nf++;
  }
  if (!nf) out(c, "  {0},\n");
  out(c, "};\n");

  /* events */
  size_t ne = 0;
  out(c, "\nstatic const contract_event ct_%s_events[] = {\n", cn);
  json_array_foreach(abi, i, it) {
    if (strcmp(str(it, "type"), "event")) continue;
    buf s;
    buf_init(&s, 1 << 16);
    sig_text(&s, str(it, "name"), json_object_get(it, "inputs"), 1);
    uint8_t topic[32];
    const char *can = canonical(a, s.data, NULL, topic);
    out(c, "  {\"%s\", \"%s\", \"%s\", %d, ", str(it, "name"), s.data, can,
        json_is_true(json_object_get(it, "anonymous")));
    bytes_lit(c, topic, 32);
    out(c, "},\n");
    buf_release(&s);
    ne++;
  }
  if (!ne) out(c, "  {0},\n");
  out(c, "};\n");

  /* errors */
  size_t nr = 0;
  out(c, "\nstatic const contract_error ct_%s_errors[] = {\n", cn);
  json_array_foreach(abi, i, it) {
    if (strcmp(str(it, "type"), "error")) continue;
    buf s;
    buf_init(&s, 1 << 16);
    sig_text(&s, str(it, "name"), json_object_get(it, "inputs"), 0);
    uint8_t sel[4];
    const char *can = canonical(a, s.data, sel, NULL);
    out(c, "  {\"%s\", \"%s\", \"%s\", ", str(it, "name"), s.data, can);
    bytes_lit(c, sel, 4);
    out(c, "},\n");
    buf_release(&s);
    nr++;
  }
  if (!nr) out(c, "  {0},\n");
  out(c, "};\n");

  /* constructor */
  const json_t *ctor = NULL;
  json_array_foreach(abi, i, it) if (strcmp(str(it, "type"), "constructor") == 0) ctor = it;
  buf cs;
  buf_init(&cs, 1 << 16);
  sig_text(&cs, "constructor", ctor ? json_object_get(ctor, "inputs") : json_array(), 0);
  out(c, "\nconst contract_info ct_%s = {\"%s\", ct_%s_bytecode, %zu, \"%s\", ct_%s_functions, %zu, "
         "ct_%s_events, %zu, ct_%s_errors, %zu};\n",
      cn, cn, cn, blen, cs.data, cn, nf, cn, ne, cn, nr);
  buf_release(&cs);

  /* typed constructor */
  const json_t *cin = ctor ? json_object_get(ctor, "inputs") : NULL;
  out(h, "/* Creation code of %s: bytecode || constructor arguments. */\n", cn);
  out(h, "pheme_err ct_%s_deploy(buf *initcode", cn);
  out(c, "\npheme_err ct_%s_deploy(buf *initcode", cn);
  const json_t *p;
  json_array_foreach(cin, i, p) {
    in_decl(h, p, i);
    in_decl(c, p, i);
  }
  out(h, ", pheme_error *err) PHEME_MUST_CHECK;\n");
  out(c, ", pheme_error *err) {\n  json_t *v[%zu] = {", json_array_size(cin) ? json_array_size(cin) : 1);
  json_array_foreach(cin, i, p) {
    if (i) out(c, ", ");
    in_value(c, p, i);
  }
  if (!json_array_size(cin)) out(c, "NULL");
  out(c, "};\n  return contracts_encode_deploy(initcode, &ct_%s, contracts_pack(v, %zu), err);\n}\n", cn,
      json_array_size(cin));

  /* typed functions */
  size_t k = 0;
  json_array_foreach(abi, i, it) {
    if (strcmp(str(it, "type"), "function")) continue;
    char fn[512];
    fn_cname(fn, sizeof fn, abi, it);
    const json_t *ins = json_object_get(it, "inputs"), *outs = json_object_get(it, "outputs");
    buf s;
    buf_init(&s, 1 << 16);
    sig_text(&s, str(it, "name"), ins, 0);
    out(h, "/* %s.%s %s */\n", cn, s.data, str(it, "stateMutability"));
    buf_release(&s);
    out(h, "pheme_err ct_%s_%s(buf *calldata", cn, fn);
    out(c, "\npheme_err ct_%s_%s(buf *calldata", cn, fn);
    size_t j;
    json_array_foreach(ins, j, p) {
      in_decl(h, p, j);
      in_decl(c, p, j);
    }
    out(h, ", pheme_error *err) PHEME_MUST_CHECK;\n");
    out(c, ", pheme_error *err) {\n");
    if (json_array_size(ins)) {
      out(c, "  json_t *v[%zu] = {", json_array_size(ins));
      json_array_foreach(ins, j, p) {
        if (j) out(c, ", ");
        in_value(c, p, j);
      }
      out(c, "};\n  return contracts_encode_call(calldata, &ct_%s_functions[%zu], contracts_pack(v, %zu), err);\n}\n",
          cn, k, json_array_size(ins));
    } else {
      out(c, "  return contracts_encode_call(calldata, &ct_%s_functions[%zu], contracts_pack(NULL, 0), err);\n}\n",
          cn, k);
    }
    if (json_array_size(outs)) {
      out(h, "pheme_err ct_%s_%s_result(const uint8_t *ret, size_t ret_len", cn, fn);
      out(c, "\npheme_err ct_%s_%s_result(const uint8_t *ret, size_t ret_len", cn, fn);
      json_array_foreach(outs, j, p) {
        out_decl(h, p, j);
        out_decl(c, p, j);
      }
      out(h, ", pheme_error *err) PHEME_MUST_CHECK;\n");
      out(c, ", pheme_error *err) {\n  json_t *v;\n  pheme_err e = contracts_decode_return(&ct_%s_functions[%zu], ret, "
             "ret_len, &v, err);\n  if (e) return e;\n", cn, k);
      json_array_foreach(outs, j, p) out_take(c, p, j);
      json_array_foreach(outs, j, p) {
        if (!out_is_json(p)) continue;
        char nm[128];
        pname(nm, sizeof nm, p, j, "o");
        out(c, "  if (!e) *%s = json_incref(json_array_get(v, %zu));\n", nm, j);
      }
      out(c, "  json_decref(v);\n  return e;\n}\n");
    }
    k++;
  }
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open '%s'", path);
  buf b;
  buf_init(&b, 64u << 20);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    if (buf_add(&b, chunk, n)) die("'%s' is too large", path);
  fclose(f);
  return buf_detach(&b, NULL);
}

static int write_file(const char *path, const buf *b) {
  FILE *f = fopen(path, "wb");
  if (!f) die("cannot write '%s'", path);
  if (fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) die("cannot write '%s'", path);
  return 0;
}


/* ---- typed events (chain/events_gen.h; runtime in src/chain/evdec.h) ----
 *
 * One struct, decoder and field table per distinct event of the suite. Events that every
 * emitting contract declares identically (RoleGranted, Paused, …) are generated once as
 * ev_<Event>; a name declared differently by two contracts (ERC-20 and ERC-721 Transfer differ
 * in which parameters are indexed) gets one per variant, ev_<Event>_<Contract> after the first
 * artifact that declares it. Supported parameter types: uintN, intN, address, bool, bytesN,
 * bytes, string, and T[] of those; anything else (tuples, fixed arrays, nested arrays) stops
 * abigen with a message, as does an anonymous event. */

typedef struct {
  const char *name;     /* event name */
  const char *sig;      /* "Name(type [indexed] name,...)" */
  const json_t *inputs; /* ABI inputs */
  const char *contract; /* first artifact declaring this variant */
  int variants;         /* how many distinct signatures share the name */
  char cname[256];
} evgen;

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false"};

/* A parameter's field name: its ABI name (a C keyword gets a trailing _), arg<k> when unnamed. */
static void ev_fname(char *dst, size_t cap, const json_t *p, size_t k) {
  const char *n = str(p, "name");
  if (!*n) {
    snprintf(dst, cap, "arg%zu", k);
    return;
  }
  check_ident(n);
  snprintf(dst, cap, "%s", n);
  for (size_t i = 0; i < sizeof c_keywords / sizeof *c_keywords; i++)
    if (strcmp(n, c_keywords[i]) == 0) snprintf(dst, cap, "%s_", n);
}

typedef struct {
  const char *kind; /* EVK_… */
  unsigned size;
} evtype;

/* The kind of a scalar type, or kind NULL when t is not one. */
static evtype ev_scalar(const char *t) {
  evtype r = {NULL, 0};
  if (strcmp(t, "address") == 0) return (evtype){"EVK_ADDRESS", 160};
  if (strcmp(t, "bool") == 0) return (evtype){"EVK_BOOL", 8};
  if (strcmp(t, "string") == 0) return (evtype){"EVK_STRING", 0};
  if (strcmp(t, "bytes") == 0) return (evtype){"EVK_BYTES", 0};
  unsigned bits;
  if (strncmp(t, "bytes", 5) == 0) {
    bits = (unsigned)atoi(t + 5);
    if (bits < 1 || bits > 32) die("bad type '%s'", t);
    return (evtype){"EVK_BYTES_N", bits};
  }
  if (strncmp(t, "uint", 4) == 0) {
    bits = t[4] ? (unsigned)atoi(t + 4) : 256;
    if (bits < 8 || bits > 256 || bits % 8) die("bad type '%s'", t);
    return (evtype){bits <= 64 ? "EVK_UINT" : "EVK_U256", bits};
  }
  if (strncmp(t, "int", 3) == 0) {
    bits = t[3] ? (unsigned)atoi(t + 3) : 256;
    if (bits < 8 || bits > 256 || bits % 8) die("bad type '%s'", t);
    return (evtype){bits <= 64 ? "EVK_INT" : "EVK_I256", bits};
  }
  return r;
}

/* A parameter's field: kind and size, and for T[] its elements'. Dies on what is unsupported. */
static void ev_type(const json_t *p, evtype *f, evtype *elem) {
  const char *t = str(p, "type");
  size_t n = strlen(t);
  *elem = (evtype){"EVK_ADDRESS", 0};
  if (json_is_true(json_object_get(p, "indexed")) &&
      (strchr(t, '[') || strncmp(t, "tuple", 5) == 0 || !strcmp(t, "string") || !strcmp(t, "bytes"))) {
    *f = (evtype){"EVK_BYTES_N", 32}; /* the log holds only the value's hash */
    return;
  }
  if (n > 2 && strcmp(t + n - 2, "[]") == 0) {
    char inner[64];
    if (n - 2 >= sizeof inner) die("type '%s' too long", t);
    memcpy(inner, t, n - 2);
    inner[n - 2] = 0;
    *elem = ev_scalar(inner);
    if (!elem->kind) die("event parameter type '%s' is not supported by the typed decoders", t);
    *f = (evtype){"EVK_ARRAY", 0};
    return;
  }
  *f = ev_scalar(t);
  if (!f->kind) die("event parameter type '%s' is not supported by the typed decoders", t);
}

static void ev_member(buf *h, const json_t *p, size_t k) {
  char nm[128];
  ev_fname(nm, sizeof nm, p, k);
  evtype f, el;
  ev_type(p, &f, &el);
  const char *t = str(p, "type");
  if (!strcmp(f.kind, "EVK_ADDRESS")) out(h, "  uint8_t %s[20];\n", nm);
  else if (!strcmp(f.kind, "EVK_UINT")) out(h, "  uint64_t %s; /* %s */\n", nm, t);
  else if (!strcmp(f.kind, "EVK_INT")) out(h, "  int64_t %s; /* %s */\n", nm, t);
  else if (!strcmp(f.kind, "EVK_U256") || !strcmp(f.kind, "EVK_I256"))
    out(h, "  uint8_t %s[32]; /* %s, big-endian (eth/u256.h) */\n", nm, t);
  else if (!strcmp(f.kind, "EVK_BOOL")) out(h, "  bool %s;\n", nm);
  else if (!strcmp(f.kind, "EVK_BYTES_N")) out(h, "  uint8_t %s[%u]; /* %s */\n", nm, f.size, t);
  else if (!strcmp(f.kind, "EVK_ARRAY")) out(h, "  ev_array %s; /* %s */\n", nm, t);
  else out(h, "  ev_bytes %s; /* %s */\n", nm, t);
}

static void gen_event(buf *h, buf *c, arena *a, const evgen *g) {
  const char *cn = g->cname;
  const json_t *ins = g->inputs;
  size_t np = json_array_size(ins), nidx = 0, ndata = 0;
  int dynamic = 0;
  uint8_t topic[32];
  canonical(a, g->sig, NULL, topic);
  const json_t *p;
  size_t i;

  out(h, "\n/* %s: %s */\ntypedef struct {\n", g->contract, g->sig);
  json_array_foreach(ins, i, p) ev_member(h, p, i);
  if (!np) out(h, "  char none_; /* the event has no parameters */\n");
  out(h, "} ev_%s;\nextern const ev_desc ev_%s_desc;\n", cn, cn);
  out(h, "pheme_err ev_%s_decode(const uint8_t (*topics)[32], size_t ntopics, const uint8_t *data, "
         "size_t n, ev_%s *out, char *why, size_t whylen) PHEME_MUST_CHECK;\n", cn, cn);

  /* fields */
  out(c, "\nstatic const ev_field ev_%s_fields[%zu] = {\n", cn, np ? np : 1);
  json_array_foreach(ins, i, p) {
    char nm[128];
    ev_fname(nm, sizeof nm, p, i);
    evtype f, el;
    ev_type(p, &f, &el);
    int idx = json_is_true(json_object_get(p, "indexed"));
    out(c, "  {\"%s\", %s, %u, %s, %u, %s, offsetof(ev_%s, %s)},\n", str(p, "name"), f.kind, f.size,
        el.kind, el.size, idx ? "true" : "false", cn, nm);
    if (idx) nidx++;
    else {
      ndata++;
      if (!strcmp(f.kind, "EVK_ARRAY") || !strcmp(f.kind, "EVK_BYTES") || !strcmp(f.kind, "EVK_STRING"))
        dynamic = 1;
    }
  }
  if (!np) out(c, "  {0},\n");
  out(c, "};\n");
  if (nidx > 3) die("event '%s' has more than 3 indexed parameters", g->sig);

  /* decoder */
  out(c, "\npheme_err ev_%s_decode(const uint8_t (*topics)[32], size_t ntopics, const uint8_t *data, "
         "size_t n, ev_%s *out, char *why, size_t whylen) {\n  evd c;\n", cn, cn);
  out(c, "  memset(out, 0, sizeof *out);\n");
  out(c, "  if (evd_begin(&c, &ev_%s_desc, topics, ntopics, %zu, data, n, %zu, %s, why, whylen))\n"
         "    return PHEME_DATA_INVALID;\n", cn, nidx, 32 * ndata, dynamic ? "true" : "false");
  size_t ti = 1, slot = 0;
  json_array_foreach(ins, i, p) {
    char nm[128], w[64];
    ev_fname(nm, sizeof nm, p, i);
    evtype f, el;
    ev_type(p, &f, &el);
    int idx = json_is_true(json_object_get(p, "indexed"));
    const char *pn = str(p, "name");
    if (idx) snprintf(w, sizeof w, "topics[%zu]", ti++);
    else snprintf(w, sizeof w, "data + %zu", 32 * slot);
    out(c, "  if (");
    if (!strcmp(f.kind, "EVK_ADDRESS")) out(c, "evd_address(&c, \"%s\", %s, out->%s)", pn, w, nm);
    else if (!strcmp(f.kind, "EVK_UINT")) out(c, "evd_uint(&c, \"%s\", %s, %u, &out->%s)", pn, w, f.size, nm);
    else if (!strcmp(f.kind, "EVK_INT")) out(c, "evd_int(&c, \"%s\", %s, %u, &out->%s)", pn, w, f.size, nm);
    else if (!strcmp(f.kind, "EVK_U256")) out(c, "evd_u256(&c, \"%s\", %s, %u, out->%s)", pn, w, f.size, nm);
    else if (!strcmp(f.kind, "EVK_I256")) out(c, "evd_i256(&c, \"%s\", %s, %u, out->%s)", pn, w, f.size, nm);
    else if (!strcmp(f.kind, "EVK_BOOL")) out(c, "evd_bool(&c, \"%s\", %s, &out->%s)", pn, w, nm);
    else if (!strcmp(f.kind, "EVK_BYTES_N")) {
      if (idx && f.size == 32) out(c, "evd_bytes_n(&c, \"%s\", %s, 32, out->%s)", pn, w, nm);
      else out(c, "evd_bytes_n(&c, \"%s\", %s, %u, out->%s)", pn, w, f.size, nm);
    } else if (!strcmp(f.kind, "EVK_ARRAY"))
      out(c, "evd_array(&c, \"%s\", %zu, %s, %u, &out->%s)", pn, slot, el.kind, el.size, nm);
    else out(c, "evd_bytes(&c, \"%s\", %zu, %s, &out->%s)", pn, slot, !strcmp(f.kind, "EVK_STRING") ? "true" : "false", nm);
    out(c, ") return PHEME_DATA_INVALID;\n");
    if (!idx) slot++;
  }
  out(c, "  return evd_end(&c);\n}\n");
  out(c, "\nstatic pheme_err ev_%s_decode_any(const uint8_t (*topics)[32], size_t ntopics, "
         "const uint8_t *data, size_t n, void *out, char *why, size_t whylen) {\n"
         "  return ev_%s_decode(topics, ntopics, data, n, out, why, whylen);\n}\n", cn, cn);
  out(c, "\nconst ev_desc ev_%s_desc = {\"%s\", \"%s\", \"%s\", ", cn, g->name, cn, g->sig);
  bytes_lit(c, topic, 32);
  out(c, ", %zu, ev_%s_fields, sizeof(ev_%s), ev_%s_decode_any};\n", np, cn, cn, cn);
  out(c, "_Static_assert(sizeof(ev_%s) <= EV_MAX_SIZE, \"ev_%s is larger than EV_MAX_SIZE\");\n", cn, cn);
}

static int evgen_cmp(const void *x, const void *y) {
  const evgen *a = x, *b = y;
  int r = strcmp(a->name, b->name);
  return r ? r : strcmp(a->cname, b->cname);
}

/* Writes chain/events_gen.[ch] for every event of the artifacts (roots[0..n)). */
static void gen_events(const char *hpath, const char *cpath, json_t **roots, int n, arena *a) {
  size_t cap = 0, ne = 0;
  for (int r = 0; r < n; r++) cap += json_array_size(json_object_get(roots[r], "abi"));
  evgen *ev = calloc(cap ? cap : 1, sizeof *ev);
  if (!ev) die("out of memory");
  for (int r = 0; r < n; r++) {
    const char *contract = str(roots[r], "contractName");
    current = contract;
    size_t i;
    const json_t *it;
    json_array_foreach(json_object_get(roots[r], "abi"), i, it) {
      if (strcmp(str(it, "type"), "event")) continue;
      if (json_is_true(json_object_get(it, "anonymous"))) die("anonymous event '%s' is not supported", str(it, "name"));
      check_ident(str(it, "name"));
      buf s;
      buf_init(&s, 1 << 16);
      sig_text(&s, str(it, "name"), json_object_get(it, "inputs"), 1);
      int dup = 0;
      for (size_t k = 0; k < ne && !dup; k++) dup = strcmp(ev[k].sig, s.data) == 0;
      if (!dup) {
        evtype f, el;
        size_t k;
        const json_t *p;
        json_array_foreach(json_object_get(it, "inputs"), k, p) ev_type(p, &f, &el); /* dies early */
        ev[ne++] = (evgen){str(it, "name"), arena_strdup(a, s.data), json_object_get(it, "inputs"),
                           contract, 0, ""};
      }
      buf_release(&s);
    }
  }
  current = NULL;
  for (size_t i = 0; i < ne; i++) {
    for (size_t k = 0; k < ne; k++) ev[i].variants += strcmp(ev[i].name, ev[k].name) == 0;
    if (ev[i].variants > 1) snprintf(ev[i].cname, sizeof ev[i].cname, "%s_%s", ev[i].name, ev[i].contract);
    else snprintf(ev[i].cname, sizeof ev[i].cname, "%s", ev[i].name);
    for (size_t k = 0; k < i; k++)
      if (!strcmp(ev[k].cname, ev[i].cname)) die("two variants of event '%s' in one artifact", ev[i].name);
  }
  qsort(ev, ne, sizeof *ev, evgen_cmp);
  buf h, c;
  buf_init(&h, 16u << 20);
  buf_init(&c, 64u << 20);
  out(&h, "/* Generated by tools/abigen.c from contracts/artifacts/<name>.json: do not edit.\n"
          " * One struct, decoder and field table per event of the suite; see src/chain/evdec.h. */\n"
          "#ifndef PHEME_CHAIN_EVENTS_GEN_H\n#define PHEME_CHAIN_EVENTS_GEN_H\n\n"
          "#include \"chain/evdec.h\"\n");
  out(&c, "/* Generated by tools/abigen.c from contracts/artifacts/<name>.json: do not edit. */\n"
          "#include \"chain/events_gen.h\"\n\n#include <stddef.h>\n#include <string.h>\n");
  for (size_t i = 0; i < ne; i++) gen_event(&h, &c, a, &ev[i]);
  out(&h, "\n/* Every event of the suite, by name. */\nextern const ev_desc *const ev_all[];\n"
          "#define EV_ALL_COUNT %zu\n\n#endif\n", ne);
  out(&c, "\nconst ev_desc *const ev_all[] = {");
  for (size_t i = 0; i < ne; i++) out(&c, "%s\n  &ev_%s_desc", i ? "," : "", ev[i].cname);
  out(&c, "};\n");
  write_file(hpath, &h);
  write_file(cpath, &c);
  buf_release(&h);
  buf_release(&c);
  free(ev);
}

int main(int argc, char **argv) {
  const char *ev_h = NULL, *ev_c = NULL;
  if (argc >= 6 && strcmp(argv[1], "--events") == 0) {
    ev_h = argv[2];
    ev_c = argv[3];
    argv += 3;
    argc -= 3;
  }
  if (argc < 4) {
    fprintf(stderr, "usage: abigen [--events EVENTS.h EVENTS.c] OUT.h OUT.c ARTIFACT.json...\n");
    return 2;
  }
  buf h, c;
  buf_init(&h, 64u << 20);
  buf_init(&c, 256u << 20);
  arena a;
  arena_init(&a, 0);
  out(&h, "/* Generated by tools/abigen.c from contracts/artifacts/<name>.json: do not edit.\n"
          " * The types and helpers are in src/chain/contracts.h, which includes this file. */\n"
          "#ifndef PHEME_CHAIN_CONTRACTS_GEN_H\n#define PHEME_CHAIN_CONTRACTS_GEN_H\n");
  out(&c, "/* Generated by tools/abigen.c from contracts/artifacts/<name>.json: do not edit. */\n"
          "#include \"chain/contracts.h\"\n");
  const char **names = calloc((size_t)argc, sizeof *names);
  json_t **roots = calloc((size_t)argc, sizeof *roots);
  int n = 0;
  for (int i = 3; i < argc; i++) {
    current = argv[i];
    char *text = read_file(argv[i]);
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!root) die("not JSON: %s (line %d)", je.text, je.line);
    artifact art = {json_object_get(root, "abi"), str(root, "contractName")};
    if (!json_is_array(art.abi)) die("no \"abi\" array");
    const char *bc = str(root, "bytecode");
    gen_contract(&h, &c, &a, &art, bc);
    names[n] = arena_strdup(&a, art.name);
    roots[n++] = root;
  }
  current = NULL;
  out(&h, "\n/* Every contract of the suite, in artifact order. */\n"
          "extern const contract_info *const contracts_suite[];\n#define CONTRACTS_SUITE_COUNT %d\n", n);
  out(&c, "\nconst contract_info *const contracts_suite[] = {");
  for (int i = 0; i < n; i++) out(&c, "%s&ct_%s", i ? ", " : "", names[i]);
  out(&c, "};\n");
  out(&h, "\n#endif\n");
  write_file(argv[1], &h);
  write_file(argv[2], &c);
  if (ev_h) gen_events(ev_h, ev_c, roots, n, &a);
  for (int i = 0; i < n; i++) json_decref(roots[i]);
  free(roots);
  free(names);
  buf_release(&h);
  buf_release(&c);
  arena_release(&a);
  return 0;
}
