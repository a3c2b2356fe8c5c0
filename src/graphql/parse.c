/* The GraphQL lexer and recursive-descent parser (spec §2). The lexer hands out one token at a
 * time from the source (no token array); the parser keeps one token of lookahead, plus a peek of
 * the next for `...` followed by `on`. Nodes and decoded strings go into the caller's arena;
 * lists are grown in small arena vectors and fixed when their closing bracket is read. */
#include "graphql/parse.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

typedef enum {
  T_EOF,
  T_BANG,
  T_DOLLAR,
  T_AMP,
  T_PAREN_L,
  T_PAREN_R,
  T_SPREAD,
  T_COLON,
  T_EQUALS,
  T_AT,
  T_BRACKET_L,
  T_BRACKET_R,
  T_BRACE_L,
  T_PIPE,
  T_BRACE_R,
  T_NAME,
  T_INT,
  T_FLOAT,
  T_STRING,
  T_BLOCK_STRING,
} tok_kind;

static const char *const tok_names[] = {
    "<EOF>", "!", "$", "&", "(", ")", "...", ":", "=", "@", "[", "]", "{", "|", "}",
    "Name",  "Int", "Float", "String", "BlockString",
};

typedef struct {
  tok_kind kind;
  uint32_t at, end;   /* the token's bytes */
  const char *value;  /* NAME/INT/FLOAT: NUL-terminated copy; strings: decoded */
  size_t vlen;
} token;

typedef struct {
  arena *a;
  const char *s;
  size_t len, pos;
  token tok;
  size_t ntokens, max_tokens;
  int depth, max_depth;
  gql_parse_error *e;
  int failed;
} parser;

#define FAIL_IF(c) \
  do {             \
    if (c) return -1; \
  } while (0)

static int fail_at(parser *p, uint32_t at, const char *fmt, const char *x, const char *y) {
  if (p->failed) return -1;
  p->failed = 1;
  p->e->at = at;
  snprintf(p->e->message, sizeof p->e->message, fmt, x ? x : "", y ? y : "");
  return -1;
}

static int nomem(parser *p) {
  return fail_at(p, (uint32_t)p->pos, "Syntax Error: document too large for memory.", NULL, NULL);
}

/* "\"%\"" for a printable ASCII character, U+XXXX otherwise, as graphql-js prints one. */
static void print_char(parser *p, size_t at, char *out, size_t n) {
  if (at >= p->len) {
    snprintf(out, n, "<EOF>");
    return;
  }
  unsigned char c = (unsigned char)p->s[at];
  if (c >= 0x20 && c < 0x7f)
    snprintf(out, n, c == '"' ? "'\"'" : "\"%c\"", c);
  else if (c < 0x80)
    snprintf(out, n, "U+%04X", c);
  else {
    /* decode one UTF-8 sequence for the message */
    unsigned cp = 0;
    int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    cp = c & (0x3f >> extra);
    for (int i = 1; i <= extra && at + (size_t)i < p->len; i++)
      cp = (cp << 6) | ((unsigned char)p->s[at + (size_t)i] & 0x3f);
    snprintf(out, n, "U+%04X", cp);
  }
}

static int is_name_start(int c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_name_char(int c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int peek_c(parser *p, size_t at) { return at < p->len ? (unsigned char)p->s[at] : -1; }

/* Appends a code point as UTF-8. */
static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* \uXXXX or \u{X…}: the code point, with i moved past it; -1 when it is not one. */
static long read_unicode_escape(parser *p, size_t *i) {
  size_t j = *i + 2;
  long cp = 0;
  if (peek_c(p, j) == '{') {
    j++;
    int nd = 0;
    while (peek_c(p, j) != '}') {
      int h = hexval(peek_c(p, j));
      if (h < 0 || ++nd > 8) return -1;
      cp = cp * 16 + h;
      if (cp > 0x10ffff) return -1;
      j++;
    }
    if (nd == 0) return -1;
    *i = j + 1;
    if (cp >= 0xd800 && cp <= 0xdfff) return -1;
    return cp;
  }
  for (int k = 0; k < 4; k++) {
    int h = hexval(peek_c(p, j + (size_t)k));
    if (h < 0) return -1;
    cp = cp * 16 + h;
  }
  j += 4;
  if (cp >= 0xd800 && cp <= 0xdbff) {
    /* a leading surrogate must be followed by \uXXXX with a trailing one */
    if (peek_c(p, j) == '\\' && peek_c(p, j + 1) == 'u') {
      size_t k = j;
      long lo = 0;
      int ok = 1;
      for (int m = 0; m < 4; m++) {
        int h = hexval(peek_c(p, k + 2 + (size_t)m));
        if (h < 0) ok = 0;
        lo = lo * 16 + (h < 0 ? 0 : h);
      }
      if (ok && lo >= 0xdc00 && lo <= 0xdfff) {
        *i = k + 6;
        return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
    }
    return -1;
  }
  if (cp >= 0xdc00 && cp <= 0xdfff) return -1;
  *i = j;
  return cp;
}

static int lex_string(parser *p, size_t start) {
  size_t i = start + 1;
  /* decoded text is never longer than the source */
  char *out = arena_alloc(p->a, p->len - start + 1);
  if (!out) return nomem(p);
  size_t o = 0;
  for (;;) {
    int c = peek_c(p, i);
    if (c < 0 || c == '\n' || c == '\r') return fail_at(p, (uint32_t)i, "Syntax Error: Unterminated string.", NULL, NULL);
    if (c == '"') break;
    if (c < 0x20 && c != '\t') {
      char pc[16];
      print_char(p, i, pc, sizeof pc);
      return fail_at(p, (uint32_t)i, "Syntax Error: Invalid character within String: %s.", pc, NULL);
    }
    if (c != '\\') {
      out[o++] = (char)c;
      i++;
      continue;
    }
    int e = peek_c(p, i + 1);
    char ch = 0;
    switch (e) {
    case '"': ch = '"'; break;
    case '\\': ch = '\\'; break;
    case '/': ch = '/'; break;
    case 'b': ch = '\b'; break;
    case 'f': ch = '\f'; break;
    case 'n': ch = '\n'; break;
    case 'r': ch = '\r'; break;
    case 't': ch = '\t'; break;
    case 'u': {
      size_t j = i;
      long cp = read_unicode_escape(p, &j);
      if (cp < 0) {
        size_t end = i + 2;
        while (end < p->len && end < i + 12 && p->s[end] != '"' && p->s[end] != '\\' && p->s[end] != '\n') end++;
        char esc[32];
        snprintf(esc, sizeof esc, "%.*s", (int)(end - i), p->s + i);
        return fail_at(p, (uint32_t)i, "Syntax Error: Invalid Unicode escape sequence: \"%s\".", esc, NULL);
      }
      o += put_utf8(out + o, (unsigned)cp);
      i = j;
      continue;
    }
    default: {
      char esc[8];
      snprintf(esc, sizeof esc, "\\%c", e >= 0x20 && e < 0x7f ? e : '?');
      return fail_at(p, (uint32_t)i, "Syntax Error: Invalid character escape sequence: \"%s\".", esc, NULL);
    }
    }
    out[o++] = ch;
    i += 2;
  }
  out[o] = 0;
  p->tok.kind = T_STRING;
  p->tok.value = out;
  p->tok.vlen = o;
  p->pos = i + 1;
  return 0;
}

static int is_blank_line(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t') return 0;
  return 1;
}

/* The spec's BlockStringValue(): common indentation removed, blank first and last lines gone. */
static int lex_block_string(parser *p, size_t start) {
  size_t i = start + 3;
  char *raw = arena_alloc(p->a, p->len - start + 1);
  if (!raw) return nomem(p);
  size_t rn = 0;
  for (;;) {
    int c = peek_c(p, i);
    if (c < 0) return fail_at(p, (uint32_t)i, "Syntax Error: Unterminated string.", NULL, NULL);
    if (c == '"' && peek_c(p, i + 1) == '"' && peek_c(p, i + 2) == '"') break;
    if (c == '\\' && peek_c(p, i + 1) == '"' && peek_c(p, i + 2) == '"' && peek_c(p, i + 3) == '"') {
      memcpy(raw + rn, "\"\"\"", 3);
      rn += 3;
      i += 4;
      continue;
    }
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      char pc[16];
      print_char(p, i, pc, sizeof pc);
      return fail_at(p, (uint32_t)i, "Syntax Error: Invalid character within String: %s.", pc, NULL);
    }
    if (c == '\r') { /* \r\n and \r are line ends: keep one \n */
      raw[rn++] = '\n';
      i += peek_c(p, i + 1) == '\n' ? 2 : 1;
      continue;
    }
    raw[rn++] = (char)c;
    i++;
  }
  p->pos = i + 3;
  /* lines */
  size_t nlines = 1;
  for (size_t k = 0; k < rn; k++) nlines += raw[k] == '\n';
  size_t *ls = arena_alloc(p->a, nlines * sizeof *ls), *le = arena_alloc(p->a, nlines * sizeof *le);
  if (!ls || !le) return nomem(p);
  size_t li = 0;
  ls[0] = 0;
  for (size_t k = 0; k < rn; k++)
    if (raw[k] == '\n') {
      le[li++] = k;
      ls[li] = k + 1;
    }
  le[li] = rn;
  size_t common = (size_t)-1;
  for (size_t l = 1; l < nlines; l++) {
    size_t ind = 0;
    while (ls[l] + ind < le[l] && (raw[ls[l] + ind] == ' ' || raw[ls[l] + ind] == '\t')) ind++;
    if (ls[l] + ind == le[l]) continue;
    if (ind < common) common = ind;
  }
  if (common != (size_t)-1)
    for (size_t l = 1; l < nlines; l++) ls[l] = ls[l] + common < le[l] ? ls[l] + common : le[l];
  size_t first = 0, last = nlines;
  while (first < last && is_blank_line(raw + ls[first], le[first] - ls[first])) first++;
  while (last > first && is_blank_line(raw + ls[last - 1], le[last - 1] - ls[last - 1])) last--;
  char *out = arena_alloc(p->a, rn + 1);
  if (!out) return nomem(p);
  size_t o = 0;
  for (size_t l = first; l < last; l++) {
    if (l > first) out[o++] = '\n';
    memcpy(out + o, raw + ls[l], le[l] - ls[l]);
    o += le[l] - ls[l];
  }
  out[o] = 0;
  p->tok.kind = T_BLOCK_STRING;
  p->tok.value = out;
  p->tok.vlen = o;
  return 0;
}

static int lex_number(parser *p, size_t start) {
  size_t i = start;
  int is_float = 0;
  char pc[16];
  if (peek_c(p, i) == '-') i++;
  if (peek_c(p, i) == '0') {
    i++;
    if (is_digit(peek_c(p, i))) {
      print_char(p, i, pc, sizeof pc);
      return fail_at(p, (uint32_t)i, "Syntax Error: Invalid number, unexpected digit after 0: %s.", pc, NULL);
    }
  } else {
    if (!is_digit(peek_c(p, i))) {
      print_char(p, i, pc, sizeof pc);
      return fail_at(p, (uint32_t)i, "Syntax Error: Invalid number, expected digit but got: %s.", pc, NULL);
    }
    while (is_digit(peek_c(p, i))) i++;
  }
  if (peek_c(p, i) == '.') {
    is_float = 1;
    i++;
    if (!is_digit(peek_c(p, i))) {
      print_char(p, i, pc, sizeof pc);
      return fail_at(p, (uint32_t)i, "Syntax Error: Invalid number, expected digit but got: %s.", pc, NULL);
    }
    while (is_digit(peek_c(p, i))) i++;
  }
  if (peek_c(p, i) == 'e' || peek_c(p, i) == 'E') {
    is_float = 1;
    i++;
    if (peek_c(p, i) == '+' || peek_c(p, i) == '-') i++;
    if (!is_digit(peek_c(p, i))) {
      print_char(p, i, pc, sizeof pc);
      return fail_at(p, (uint32_t)i, "Syntax Error: Invalid number, expected digit but got: %s.", pc, NULL);
    }
    while (is_digit(peek_c(p, i))) i++;
  }
  if (peek_c(p, i) == '.' || is_name_start(peek_c(p, i))) {
    print_char(p, i, pc, sizeof pc);
    return fail_at(p, (uint32_t)i, "Syntax Error: Invalid number, expected digit but got: %s.", pc, NULL);
  }
  p->tok.kind = is_float ? T_FLOAT : T_INT;
  p->tok.value = arena_strndup(p->a, p->s + start, i - start);
  if (!p->tok.value) return nomem(p);
  p->tok.vlen = i - start;
  p->pos = i;
  return 0;
}

/* Reads the next token into p->tok. */
static int next(parser *p) {
  if (p->failed) return -1;
  if (p->max_tokens && ++p->ntokens > p->max_tokens) {
    fail_at(p, (uint32_t)p->pos, "Syntax Error: Document contains more than %s tokens.", NULL, NULL);
    snprintf(p->e->message, sizeof p->e->message,
             "Syntax Error: Document contains more than %zu tokens. Parsing aborted.", p->max_tokens);
    p->e->limit = 1;
    return -1;
  }
  size_t i = p->pos;
  for (;;) {
    int c = peek_c(p, i);
    if (c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r') {
      i++;
    } else if (c == 0xef && peek_c(p, i + 1) == 0xbb && peek_c(p, i + 2) == 0xbf) {
      i += 3; /* byte order mark */
    } else if (c == '#') {
      while (i < p->len && p->s[i] != '\n' && p->s[i] != '\r') i++;
    } else {
      break;
    }
  }
  p->pos = i;
  p->tok.at = (uint32_t)i;
  p->tok.value = NULL;
  int c = peek_c(p, i);
  tok_kind k;
  switch (c) {
  case -1: k = T_EOF; break;
  case '!': k = T_BANG; break;
  case '$': k = T_DOLLAR; break;
  case '&': k = T_AMP; break;
  case '(': k = T_PAREN_L; break;
  case ')': k = T_PAREN_R; break;
  case ':': k = T_COLON; break;
  case '=': k = T_EQUALS; break;
  case '@': k = T_AT; break;
  case '[': k = T_BRACKET_L; break;
  case ']': k = T_BRACKET_R; break;
  case '{': k = T_BRACE_L; break;
  case '|': k = T_PIPE; break;
  case '}': k = T_BRACE_R; break;
  case '.':
    if (peek_c(p, i + 1) == '.' && peek_c(p, i + 2) == '.') {
      p->tok.kind = T_SPREAD;
      p->pos = i + 3;
      p->tok.end = (uint32_t)p->pos;
      return 0;
    }
    k = T_EOF;
    goto unexpected;
  case '"': {
    int r = peek_c(p, i + 1) == '"' && peek_c(p, i + 2) == '"' ? lex_block_string(p, i) : lex_string(p, i);
    p->tok.end = (uint32_t)p->pos;
    return r;
  }
  default:
    if (is_name_start(c)) {
      size_t j = i;
      while (is_name_char(peek_c(p, j))) j++;
      p->tok.kind = T_NAME;
      p->tok.value = arena_strndup(p->a, p->s + i, j - i);
      if (!p->tok.value) return nomem(p);
      p->tok.vlen = j - i;
      p->pos = j;
      p->tok.end = (uint32_t)j;
      return 0;
    }
    if (c == '-' || is_digit(c)) {
      int r = lex_number(p, i);
      p->tok.end = (uint32_t)p->pos;
      return r;
    }
    goto unexpected;
  }
  p->tok.kind = k;
  p->pos = k == T_EOF ? i : i + 1;
  p->tok.end = (uint32_t)p->pos;
  return 0;
unexpected: {
  char pc[16];
  print_char(p, i, pc, sizeof pc);
  return fail_at(p, (uint32_t)i, "Syntax Error: Unexpected character: %s.", pc, NULL);
}
}

/* graphql-js's getTokenDesc: `Name "foo"`, `"{"`, `<EOF>`. */
static void tok_desc(const token *t, char *out, size_t n) {
  if (t->kind == T_EOF)
    snprintf(out, n, "<EOF>");
  else if (t->kind >= T_NAME)
    snprintf(out, n, "%s \"%.60s\"", tok_names[t->kind], t->value ? t->value : "");
  else
    snprintf(out, n, "\"%s\"", tok_names[t->kind]);
}

static int unexpected(parser *p) {
  char d[96];
  tok_desc(&p->tok, d, sizeof d);
  return fail_at(p, p->tok.at, "Syntax Error: Unexpected %s.", d, NULL);
}

static int expect(parser *p, tok_kind k) {
  if (p->tok.kind == k) return next(p);
  char d[96], want[32];
  tok_desc(&p->tok, d, sizeof d);
  snprintf(want, sizeof want, k >= T_NAME ? "%s" : "\"%s\"", tok_names[k]);
  return fail_at(p, p->tok.at, "Syntax Error: Expected %s, found %s.", want, d);
}

static int skip(parser *p, tok_kind k) {
  if (p->tok.kind != k) return 0;
  return next(p) == 0 ? 1 : -1;
}

static int is_keyword(const parser *p, const char *kw) {
  return p->tok.kind == T_NAME && strcmp(p->tok.value, kw) == 0;
}

static int expect_keyword(parser *p, const char *kw) {
  if (is_keyword(p, kw)) return next(p);
  char d[96];
  tok_desc(&p->tok, d, sizeof d);
  return fail_at(p, p->tok.at, "Syntax Error: Expected \"%s\", found %s.", kw, d);
}

static int parse_name(parser *p, const char **name, uint32_t *at) {
  if (p->tok.kind != T_NAME) {
    char d[96];
    tok_desc(&p->tok, d, sizeof d);
    return fail_at(p, p->tok.at, "Syntax Error: Expected Name, found %s.", d, NULL);
  }
  *name = p->tok.value;
  if (at) *at = p->tok.at;
  return next(p);
}

static int enter(parser *p) {
  if (++p->depth > p->max_depth) {
    fail_at(p, p->tok.at, "Syntax Error: Document nests deeper than the limit.", NULL, NULL);
    snprintf(p->e->message, sizeof p->e->message,
             "Syntax Error: Document nests deeper than %d levels.", p->max_depth);
    p->e->limit = 1;
    return -1;
  }
  return 0;
}

/* A growable array of n elements of size sz in the arena. */
typedef struct {
  void *items;
  int n, cap;
} vec;

static void *vec_push(parser *p, vec *v, size_t sz) {
  if (v->n == v->cap) {
    int nc = v->cap ? v->cap * 2 : 4;
    void *ni = arena_alloc(p->a, (size_t)nc * sz);
    if (!ni) {
      nomem(p);
      return NULL;
    }
    if (v->n) memcpy(ni, v->items, (size_t)v->n * sz);
    v->items = ni;
    v->cap = nc;
  }
  void *slot = (char *)v->items + (size_t)v->n * sz;
  memset(slot, 0, sz);
  v->n++;
  return slot;
}

static int parse_value(parser *p, int is_const, gql_value **out);

static int parse_object_fields(parser *p, int is_const, gql_arg **fields, int *n, tok_kind close) {
  vec v = {0};
  while (p->tok.kind != close) {
    gql_arg *f = vec_push(p, &v, sizeof *f);
    FAIL_IF(!f);
    f->at = f->name_at = p->tok.at;
    FAIL_IF(parse_name(p, &f->name, NULL));
    FAIL_IF(expect(p, T_COLON));
    FAIL_IF(parse_value(p, is_const, &f->value));
  }
  *fields = v.items;
  *n = v.n;
  return next(p);
}

static int parse_value(parser *p, int is_const, gql_value **out) {
  gql_value *v = arena_zalloc(p->a, sizeof *v);
  if (!v) return nomem(p);
  v->at = p->tok.at;
  *out = v;
  switch (p->tok.kind) {
  case T_BRACKET_L: {
    FAIL_IF(enter(p));
    FAIL_IF(next(p));
    vec items = {0};
    while (p->tok.kind != T_BRACKET_R) {
      gql_value **slot = vec_push(p, &items, sizeof *slot);
      FAIL_IF(!slot);
      FAIL_IF(parse_value(p, is_const, slot));
    }
    v->kind = GQL_V_LIST;
    v->items = items.items;
    v->n = items.n;
    p->depth--;
    return next(p);
  }
  case T_BRACE_L:
    FAIL_IF(enter(p));
    FAIL_IF(next(p));
    v->kind = GQL_V_OBJECT;
    FAIL_IF(parse_object_fields(p, is_const, &v->fields, &v->n, T_BRACE_R));
    p->depth--;
    return 0;
  case T_INT:
  case T_FLOAT:
    v->kind = p->tok.kind == T_INT ? GQL_V_INT : GQL_V_FLOAT;
    v->text = p->tok.value;
    v->len = p->tok.vlen;
    return next(p);
  case T_STRING:
  case T_BLOCK_STRING:
    v->kind = GQL_V_STRING;
    v->block = p->tok.kind == T_BLOCK_STRING;
    v->text = p->tok.value;
    v->len = p->tok.vlen;
    return next(p);
  case T_NAME:
    if (strcmp(p->tok.value, "true") == 0 || strcmp(p->tok.value, "false") == 0) {
      v->kind = GQL_V_BOOLEAN;
      v->boolean = p->tok.value[0] == 't';
    } else if (strcmp(p->tok.value, "null") == 0) {
      v->kind = GQL_V_NULL;
    } else {
      v->kind = GQL_V_ENUM;
      v->text = p->tok.value;
    }
    return next(p);
  case T_DOLLAR:
    if (is_const) {
      FAIL_IF(next(p));
      if (p->tok.kind == T_NAME)
        return fail_at(p, v->at, "Syntax Error: Unexpected variable \"$%s\" in constant value.", p->tok.value, NULL);
      return fail_at(p, v->at, "Syntax Error: Unexpected \"$\".", NULL, NULL);
    }
    FAIL_IF(next(p));
    v->kind = GQL_V_VARIABLE;
    return parse_name(p, &v->text, NULL);
  default:
    return unexpected(p);
  }
}

static int parse_arguments(parser *p, int is_const, gql_arg **args, int *n) {
  *args = NULL;
  *n = 0;
  if (p->tok.kind != T_PAREN_L) return 0;
  FAIL_IF(next(p));
  vec v = {0};
  do {
    gql_arg *a = vec_push(p, &v, sizeof *a);
    FAIL_IF(!a);
    a->at = a->name_at = p->tok.at;
    FAIL_IF(parse_name(p, &a->name, NULL));
    FAIL_IF(expect(p, T_COLON));
    FAIL_IF(parse_value(p, is_const, &a->value));
  } while (p->tok.kind != T_PAREN_R);
  *args = v.items;
  *n = v.n;
  return next(p);
}

static int parse_directives(parser *p, int is_const, gql_directive **dirs, int *n) {
  vec v = {0};
  while (p->tok.kind == T_AT) {
    gql_directive *d = vec_push(p, &v, sizeof *d);
    FAIL_IF(!d);
    d->at = p->tok.at;
    FAIL_IF(next(p));
    FAIL_IF(parse_name(p, &d->name, NULL));
    FAIL_IF(parse_arguments(p, is_const, &d->args, &d->nargs));
  }
  *dirs = v.items;
  *n = v.n;
  return 0;
}

static int parse_type(parser *p, gql_typeref **out) {
  gql_typeref *t = arena_zalloc(p->a, sizeof *t);
  if (!t) return nomem(p);
  t->at = p->tok.at;
  if (p->tok.kind == T_BRACKET_L) {
    FAIL_IF(enter(p));
    FAIL_IF(next(p));
    t->kind = GQL_T_LIST;
    FAIL_IF(parse_type(p, &t->of));
    FAIL_IF(expect(p, T_BRACKET_R));
    p->depth--;
  } else {
    t->kind = GQL_T_NAMED;
    FAIL_IF(parse_name(p, &t->name, NULL));
  }
  if (p->tok.kind == T_BANG) {
    gql_typeref *nn = arena_zalloc(p->a, sizeof *nn);
    if (!nn) return nomem(p);
    nn->kind = GQL_T_NONNULL;
    nn->at = t->at;
    nn->of = t;
    *out = nn;
    return next(p);
  }
  *out = t;
  return 0;
}

static int parse_selection_set(parser *p, gql_selset **out);

static int parse_selection(parser *p, gql_selection **out) {
  gql_selection *s = arena_zalloc(p->a, sizeof *s);
  if (!s) return nomem(p);
  *out = s;
  s->at = p->tok.at;
  if (p->tok.kind == T_SPREAD) {
    FAIL_IF(next(p));
    if (p->tok.kind == T_NAME && strcmp(p->tok.value, "on") != 0) {
      s->kind = GQL_SEL_SPREAD;
      FAIL_IF(parse_name(p, &s->name, &s->name_at));
      return parse_directives(p, 0, &s->dirs, &s->ndirs);
    }
    s->kind = GQL_SEL_INLINE;
    if (is_keyword(p, "on")) {
      FAIL_IF(next(p));
      FAIL_IF(parse_name(p, &s->type_cond, &s->type_cond_at));
    }
    FAIL_IF(parse_directives(p, 0, &s->dirs, &s->ndirs));
    return parse_selection_set(p, &s->set);
  }
  s->kind = GQL_SEL_FIELD;
  const char *first;
  uint32_t first_at;
  FAIL_IF(parse_name(p, &first, &first_at));
  if (p->tok.kind == T_COLON) {
    FAIL_IF(next(p));
    s->alias = first;
    FAIL_IF(parse_name(p, &s->name, &s->name_at));
  } else {
    s->name = first;
    s->name_at = first_at;
  }
  FAIL_IF(parse_arguments(p, 0, &s->args, &s->nargs));
  FAIL_IF(parse_directives(p, 0, &s->dirs, &s->ndirs));
  if (p->tok.kind == T_BRACE_L) return parse_selection_set(p, &s->set);
  return 0;
}

static int parse_selection_set(parser *p, gql_selset **out) {
  gql_selset *set = arena_zalloc(p->a, sizeof *set);
  if (!set) return nomem(p);
  set->at = p->tok.at;
  *out = set;
  FAIL_IF(enter(p));
  FAIL_IF(expect(p, T_BRACE_L));
  vec v = {0};
  do {
    gql_selection **slot = vec_push(p, &v, sizeof *slot);
    FAIL_IF(!slot);
    FAIL_IF(parse_selection(p, slot));
  } while (p->tok.kind != T_BRACE_R);
  set->items = v.items;
  set->n = v.n;
  p->depth--;
  return next(p);
}

static int parse_variable_definitions(parser *p, gql_definition *d) {
  if (p->tok.kind != T_PAREN_L) return 0;
  FAIL_IF(next(p));
  vec v = {0};
  do {
    gql_vardef *vd = vec_push(p, &v, sizeof *vd);
    FAIL_IF(!vd);
    vd->at = p->tok.at;
    FAIL_IF(expect(p, T_DOLLAR));
    FAIL_IF(parse_name(p, &vd->name, NULL));
    FAIL_IF(expect(p, T_COLON));
    FAIL_IF(parse_type(p, &vd->type));
    int eq = skip(p, T_EQUALS);
    FAIL_IF(eq < 0);
    if (eq) FAIL_IF(parse_value(p, 1, &vd->def));
    FAIL_IF(parse_directives(p, 1, &vd->dirs, &vd->ndirs));
  } while (p->tok.kind != T_PAREN_R);
  d->vars = v.items;
  d->nvars = v.n;
  return next(p);
}

static int is_type_system_keyword(const char *s) {
  static const char *const kw[] = {"schema", "scalar", "type", "interface", "union", "enum", "input", "directive", "extend"};
  for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
    if (strcmp(s, kw[i]) == 0) return 1;
  return 0;
}

static int starts_definition(const parser *p) {
  if (p->tok.kind == T_STRING || p->tok.kind == T_BLOCK_STRING) return 1;
  if (p->tok.kind != T_NAME) return 0;
  const char *v = p->tok.value;
  return is_type_system_keyword(v) || strcmp(v, "query") == 0 || strcmp(v, "mutation") == 0 ||
         strcmp(v, "subscription") == 0 || strcmp(v, "fragment") == 0;
}

/* A type-system definition: its name is kept, its body skipped (balanced brackets). */
static int skip_type_system(parser *p, gql_definition *d) {
  d->kind = GQL_DEF_TYPESYSTEM;
  if (p->tok.kind == T_STRING || p->tok.kind == T_BLOCK_STRING) FAIL_IF(next(p));
  if (p->tok.kind != T_NAME || !is_type_system_keyword(p->tok.value)) return unexpected(p);
  if (strcmp(p->tok.value, "extend") == 0) {
    FAIL_IF(next(p));
    if (p->tok.kind != T_NAME || !is_type_system_keyword(p->tok.value) || strcmp(p->tok.value, "extend") == 0)
      return unexpected(p);
  }
  const char *kind = p->tok.value;
  int has_body = strcmp(kind, "scalar") != 0 && strcmp(kind, "union") != 0 && strcmp(kind, "directive") != 0;
  FAIL_IF(next(p));
  if (strcmp(kind, "directive") == 0) FAIL_IF(expect(p, T_AT));
  if (strcmp(kind, "schema") != 0) FAIL_IF(parse_name(p, &d->name, &d->name_at));
  int depth = 0, body_seen = 0;
  for (;;) {
    if (depth == 0) {
      if (p->tok.kind == T_EOF) break;
      if (p->tok.kind == T_BRACE_L && (!has_body || body_seen)) break;
      if (p->tok.kind == T_BRACE_L) body_seen = 1;
      else if (starts_definition(p)) break;
    }
    if (p->tok.kind == T_EOF) return unexpected(p);
    if (p->tok.kind == T_BRACE_L || p->tok.kind == T_PAREN_L || p->tok.kind == T_BRACKET_L) {
      FAIL_IF(enter(p));
      depth++;
    } else if (p->tok.kind == T_BRACE_R || p->tok.kind == T_PAREN_R || p->tok.kind == T_BRACKET_R) {
      if (depth == 0) return unexpected(p);
      depth--;
      p->depth--;
      if (depth == 0 && p->tok.kind == T_BRACE_R) {
        FAIL_IF(next(p));
        break;
      }
    }
    FAIL_IF(next(p));
  }
  return 0;
}

static int parse_definition(parser *p, gql_definition *d) {
  d->at = p->tok.at;
  if (p->tok.kind == T_STRING || p->tok.kind == T_BLOCK_STRING ||
      (p->tok.kind == T_NAME && is_type_system_keyword(p->tok.value)))
    return skip_type_system(p, d);
  if (p->tok.kind == T_BRACE_L) {
    d->kind = GQL_DEF_OPERATION;
    d->op = GQL_OP_QUERY;
    return parse_selection_set(p, &d->set);
  }
  if (p->tok.kind != T_NAME) return unexpected(p);
  if (is_keyword(p, "fragment")) {
    d->kind = GQL_DEF_FRAGMENT;
    FAIL_IF(next(p));
    if (is_keyword(p, "on")) return unexpected(p);
    FAIL_IF(parse_name(p, &d->name, &d->name_at));
    FAIL_IF(expect_keyword(p, "on"));
    FAIL_IF(parse_name(p, &d->type_cond, &d->type_cond_at));
    FAIL_IF(parse_directives(p, 0, &d->dirs, &d->ndirs));
    return parse_selection_set(p, &d->set);
  }
  d->kind = GQL_DEF_OPERATION;
  if (is_keyword(p, "query"))
    d->op = GQL_OP_QUERY;
  else if (is_keyword(p, "mutation"))
    d->op = GQL_OP_MUTATION;
  else if (is_keyword(p, "subscription"))
    d->op = GQL_OP_SUBSCRIPTION;
  else
    return unexpected(p);
  FAIL_IF(next(p));
  if (p->tok.kind == T_NAME) FAIL_IF(parse_name(p, &d->name, &d->name_at));
  FAIL_IF(parse_variable_definitions(p, d));
  FAIL_IF(parse_directives(p, 0, &d->dirs, &d->ndirs));
  return parse_selection_set(p, &d->set);
}

static void parser_init(parser *p, arena *a, const char *src, size_t len, const gql_parse_limits *lim,
                        gql_parse_error *e) {
  memset(p, 0, sizeof *p);
  memset(e, 0, sizeof *e);
  p->a = a;
  p->s = src;
  p->len = len;
  p->e = e;
  p->max_tokens = lim ? lim->max_tokens : 0;
  p->max_depth = lim && lim->max_depth > 0 ? lim->max_depth : 256;
}

int gql_parse(arena *a, const char *src, size_t len, const gql_parse_limits *lim, gql_document *doc,
              gql_parse_error *e) {
  parser p;
  parser_init(&p, a, src, len, lim, e);
  memset(doc, 0, sizeof *doc);
  doc->src = src;
  doc->len = len;
  FAIL_IF(next(&p));
  vec v = {0};
  do {
    gql_definition *d = vec_push(&p, &v, sizeof *d);
    FAIL_IF(!d);
    FAIL_IF(parse_definition(&p, d));
  } while (p.tok.kind != T_EOF);
  doc->defs = v.items;
  doc->ndefs = v.n;
  return 0;
}

int gql_parse_value(arena *a, const char *src, size_t len, gql_value **out, gql_parse_error *e) {
  parser p;
  parser_init(&p, a, src, len, NULL, e);
  FAIL_IF(next(&p));
  FAIL_IF(parse_value(&p, 1, out));
  if (p.tok.kind != T_EOF) return unexpected(&p);
  return 0;
}

gql_loc gql_loc_of(const char *src, size_t len, uint32_t at) {
  gql_loc l = {1, 1};
  if (at > len) at = (uint32_t)len;
  for (size_t i = 0; i < at; i++) {
    unsigned char c = (unsigned char)src[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= len || src[i + 1] != '\n'))) {
      l.line++;
      l.column = 1;
    } else if (c == '\r') {
      /* the \r of \r\n: the \n ends the line */
    } else if ((c & 0xc0) == 0x80) {
      /* continuation byte: no column of its own */
    } else {
      l.column += c >= 0xf0 ? 2 : 1; /* four-byte sequences are two UTF-16 units */
    }
  }
  return l;
}

/* ---- printing values and types (for messages) ---- */

#include "core/buf.h"

static int print_string(buf *b, const char *s, size_t n) {
  if (buf_addc(b, '"')) return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int r;
    switch (c) {
    case '"': r = buf_adds(b, "\\\""); break;
    case '\\': r = buf_adds(b, "\\\\"); break;
    case '\n': r = buf_adds(b, "\\n"); break;
    case '\r': r = buf_adds(b, "\\r"); break;
    case '\t': r = buf_adds(b, "\\t"); break;
    case '\b': r = buf_adds(b, "\\b"); break;
    case '\f': r = buf_adds(b, "\\f"); break;
    default: r = c < 0x20 || c == 0x7f ? buf_printf(b, "\\u%04X", c) : buf_addc(b, (char)c);
    }
    if (r) return -1;
  }
  return buf_addc(b, '"');
}

static int print_value(buf *b, const gql_value *v, int depth) {
  if (depth > 64) return buf_adds(b, "…");
  switch (v->kind) {
  case GQL_V_VARIABLE: return buf_printf(b, "$%s", v->text);
  case GQL_V_INT:
  case GQL_V_FLOAT:
  case GQL_V_ENUM: return buf_adds(b, v->text);
  case GQL_V_STRING: return print_string(b, v->text, v->len);
  case GQL_V_BOOLEAN: return buf_adds(b, v->boolean ? "true" : "false");
  case GQL_V_NULL: return buf_adds(b, "null");
  case GQL_V_LIST:
    if (buf_addc(b, '[')) return -1;
    for (int i = 0; i < v->n; i++)
      if ((i && buf_adds(b, ", ")) || print_value(b, v->items[i], depth + 1)) return -1;
    return buf_addc(b, ']');
  case GQL_V_OBJECT:
    if (buf_addc(b, '{')) return -1;
    for (int i = 0; i < v->n; i++)
      if ((i && buf_adds(b, ", ")) || buf_printf(b, "%s: ", v->fields[i].name) ||
          print_value(b, v->fields[i].value, depth + 1))
        return -1;
    return buf_addc(b, '}');
  }
  return -1;
}

char *gql_print_value(arena *a, const gql_value *v) {
  buf b;
  buf_init(&b, 4096);
  char *out = print_value(&b, v, 0) == 0 ? arena_strndup(a, b.data, b.len) : arena_strdup(a, "…");
  buf_release(&b);
  return out;
}

static int print_type(buf *b, const gql_typeref *t) {
  switch (t->kind) {
  case GQL_T_NAMED: return buf_adds(b, t->name);
  case GQL_T_LIST: return buf_addc(b, '[') || print_type(b, t->of) || buf_addc(b, ']');
  case GQL_T_NONNULL: return print_type(b, t->of) || buf_addc(b, '!');
  }
  return -1;
}

char *gql_print_typeref(arena *a, const gql_typeref *t) {
  buf b;
  buf_init(&b, 1024);
  char *out = print_type(&b, t) == 0 ? arena_strndup(a, b.data, b.len) : NULL;
  buf_release(&b);
  return out;
}

int gql_parse_type(arena *a, const char *src, gql_typeref **out, gql_parse_error *e) {
  parser p;
  parser_init(&p, a, src, strlen(src), NULL, e);
  FAIL_IF(next(&p));
  FAIL_IF(parse_type(&p, out));
  if (p.tok.kind != T_EOF) return unexpected(&p);
  return 0;
}
