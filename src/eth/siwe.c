/* EIP-4361 Sign-In with Ethereum; see siwe.h.
 *
 * The parser reads the message line by line with a cursor; each field has one function that
 * checks its grammar, shared with the renderer so the two accept exactly the same values. */
#include "eth/siwe.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "core/banned.h"

static const char PREAMBLE[] = " wants you to sign in with your Ethereum account:";

/* ---- RFC 3986 --------------------------------------------------------------------------- */

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int is_unreserved(int c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
static int is_sub_delim(int c) { return c && strchr("!$&'()*+,;=", c) != NULL; }
static int is_gen_delim(int c) { return c && strchr(":/?#[]@", c) != NULL; }

/* Checks s[0..n) consists of unreserved / pct-encoded / sub-delims and the extra characters. */
static int chars_ok(const char *s, size_t n, const char *extra) {
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '%') {
      if (i + 2 >= n || !is_hex((unsigned char)s[i + 1]) || !is_hex((unsigned char)s[i + 2])) return 0;
      i += 2;
      continue;
    }
    if (is_unreserved(c) || is_sub_delim(c)) continue;
    if (c && strchr(extra, c)) continue;
    return 0;
  }
  return 1;
}

static int dec_octet(const char *s, size_t n) {
  if (n == 0 || n > 3 || (n > 1 && s[0] == '0')) return 0;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit((unsigned char)s[i])) return 0;
    v = v * 10 + s[i] - '0';
  }
  return v <= 255;
}

static int ipv4_valid(const char *s, size_t n) {
  size_t start = 0;
  int parts = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (!dec_octet(s + start, i - start) || ++parts > 4) return 0;
      start = i + 1;
    }
  }
  return parts == 4;
}

static int ipv6_valid(const char *s, size_t n) {
  int groups = 0, gap = 0;
  size_t i = 0;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 1;
    i = 2;
    if (i == n) return 1;
  } else if (n > 0 && s[0] == ':') {
    return 0;
  }
  while (i < n) {
    size_t st = i;
    while (i < n && is_hex((unsigned char)s[i])) i++;
    if (i < n && s[i] == '.') { /* trailing IPv4 */
      if (!ipv4_valid(s + st, n - st)) return 0;
      groups += 2;
      i = n;
      break;
    }
    if (i == st || i - st > 4) return 0;
    groups++;
    if (i == n) break;
    if (s[i] != ':') return 0;
    i++;
    if (i < n && s[i] == ':') {
      if (gap) return 0;
      gap = 1;
      i++;
      if (i == n) break;
    } else if (i == n) {
      return 0; /* single trailing ':' */
    }
  }
  return gap ? groups <= 7 : groups == 8;
}

/* authority = [userinfo "@"] host [":" port]; need_host: the host may not be empty. */
static int authority_ok(const char *s, size_t n, int need_host) {
  const char *at = memchr(s, '@', n);
  if (at) {
    if (!chars_ok(s, (size_t)(at - s), ":")) return 0;
    n -= (size_t)(at - s) + 1;
    s = at + 1;
  }
  size_t host_end;
  if (n > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', n);
    if (!close) return 0;
    size_t il = (size_t)(close - s) - 1;
    const char *ip = s + 1;
    if (il > 0 && (ip[0] == 'v' || ip[0] == 'V')) {
      size_t dot = 1;
      while (dot < il && is_hex((unsigned char)ip[dot])) dot++;
      if (dot == 1 || dot >= il - 1 || ip[dot] != '.' || !chars_ok(ip + dot + 1, il - dot - 1, ":"))
        return 0;
      /* chars_ok accepts pct-encoded, which IPvFuture does not */
      if (memchr(ip + dot + 1, '%', il - dot - 1)) return 0;
    } else if (!ipv6_valid(ip, il)) {
      return 0;
    }
    host_end = (size_t)(close - s) + 1;
  } else {
    host_end = 0;
    while (host_end < n && s[host_end] != ':') host_end++;
    if (!chars_ok(s, host_end, "")) return 0;
    if (need_host && host_end == 0) return 0;
  }
  if (host_end == n) return 1;
  if (s[host_end] != ':') return 0;
  const char *port = s + host_end + 1;
  size_t pl = n - host_end - 1;
  if (pl == 0 || pl > 5) return 0;
  long v = 0;
  for (size_t i = 0; i < pl; i++) {
    if (!is_digit((unsigned char)port[i])) return 0;
    v = v * 10 + port[i] - '0';
  }
  return v <= 65535;
}

int siwe_authority_valid(const char *s, size_t n) { return authority_ok(s, n, 1); }

static int scheme_ok(const char *s, size_t n) {
  if (n == 0 || !is_alpha((unsigned char)s[0])) return 0;
  for (size_t i = 1; i < n; i++) {
    int c = (unsigned char)s[i];
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return 0;
  }
  return 1;
}

int siwe_uri_valid(const char *s, size_t n) {
  const char *colon = memchr(s, ':', n);
  if (!colon || !scheme_ok(s, (size_t)(colon - s))) return 0;
  const char *p = colon + 1, *end = s + n;
  const char *hash = memchr(p, '#', (size_t)(end - p));
  if (hash) {
    if (!chars_ok(hash + 1, (size_t)(end - hash - 1), ":@/?")) return 0;
    end = hash;
  }
  const char *q = memchr(p, '?', (size_t)(end - p));
  if (q) {
    if (!chars_ok(q + 1, (size_t)(end - q - 1), ":@/?")) return 0;
    end = q;
  }
  if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
    p += 2;
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *aend = slash ? slash : end;
    if (!authority_ok(p, (size_t)(aend - p), 0)) return 0;
    p = aend;
  }
  return chars_ok(p, (size_t)(end - p), ":@/");
}

/* ---- RFC 3339 --------------------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}


static int digits(const char *s, size_t n, unsigned *out) {
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit((unsigned char)s[i])) return 0;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  *out = v;
  return 1;
}

pheme_err siwe_time_parse(siwe_time *out, const char *s, size_t n, pheme_error *err) {
  char q[PHEME_QUOTE];
  unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
  const char *why = "expected YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)";
  if (n < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
      !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
      s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
    goto bad;
  size_t i = 19;
  uint32_t nsec = 0;
  if (s[i] == '.') {
    size_t st = ++i;
    while (i < n && is_digit((unsigned char)s[i])) {
      if (i - st < 9) nsec = nsec * 10 + (uint32_t)(s[i] - '0');
      i++;
    }
    if (i == st) goto bad;
    if (i - st > 30) {
      why = "fraction of a second longer than 30 digits";
      goto bad;
    }
    for (size_t k = i - st; k < 9; k++) nsec *= 10;
  }
  int sign = 0;
  if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
    i++;
  } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2, &oh) &&
             s[i + 3] == ':' && digits(s + i + 4, 2, &om)) {
    sign = s[i] == '+' ? 1 : -1;
    i += 6;
  } else {
    goto bad;
  }
  static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12) {
    why = "month out of range";
    goto bad;
  }
  unsigned maxd = mdays[mo - 1] + (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
  if (d < 1 || d > maxd) {
    why = "no such day in that month";
    goto bad;
  }
  if (h > 23 || mi > 59 || sec > 59) {
    why = "time of day out of range";
    goto bad;
  }
  if (oh > 23 || om > 59) {
    why = "offset out of range";
    goto bad;
  }
  out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
             sign * (int64_t)(oh * 3600 + om * 60);
  out->nsec = nsec;
  return PHEME_OK;
bad:
  return pheme_set(err, PHEME_DATA_INVALID, "invalid time '%s': %s", pheme_quote(q, sizeof q, s, n), why);
}

int siwe_time_format(char out[SIWE_TIME_TEXT], siwe_time t) {
  return time_format_rfc3339(out, t.sec * 1000 + (int64_t)(t.nsec / 1000000));
}

static int time_cmp(siwe_time a, siwe_time b) {
  if (a.sec != b.sec) return a.sec < b.sec ? -1 : 1;
  return a.nsec < b.nsec ? -1 : a.nsec > b.nsec;
}

pheme_err siwe_check_time(const siwe_message *m, siwe_time now, int64_t skew_sec, pheme_error *err) {
  if (m->expiration_time && time_cmp(now, m->expiration) >= 0)
    return pheme_set(err, PHEME_AUTH_INVALID, "message expired at '%s'", m->expiration_time);
  if (m->not_before && time_cmp(now, m->not_before_time) < 0)
    return pheme_set(err, PHEME_AUTH_INVALID, "message not valid before '%s'", m->not_before);
  siwe_time limit = {now.sec + skew_sec, now.nsec};
  if (time_cmp(m->issued_at_time, limit) > 0)
    return pheme_set(err, PHEME_AUTH_INVALID, "message issued in the future at '%s'", m->issued_at);
  return PHEME_OK;
}

/* ---- fields ----------------------------------------------------------------------------- */

/* Each returns NULL when valid, else what is wrong. */

static const char *check_statement(const char *s, size_t n) {
  if (n == 0) return "empty statement (leave it out instead)";
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '\n') return "statement contains a newline";
    if (!(is_unreserved(c) || is_sub_delim(c) || is_gen_delim(c) || c == ' '))
      return "statement contains a character EIP-4361 does not allow";
  }
  return NULL;
}

static const char *check_nonce(const char *s, size_t n) {
  if (n < 8) return "nonce shorter than 8 characters";
  for (size_t i = 0; i < n; i++)
    if (!is_alpha((unsigned char)s[i]) && !is_digit((unsigned char)s[i]))
      return "nonce may hold only letters and digits";
  return NULL;
}

static const char *check_chain_id(const char *s, size_t n, uint64_t *out) {
  if (n == 0 || (n > 1 && s[0] == '0')) return "chain id must be digits without a leading zero";
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_digit((unsigned char)s[i])) return "chain id must be digits without a leading zero";
    unsigned dg = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - dg) / 10) return "chain id does not fit 64 bits";
    v = v * 10 + dg;
  }
  *out = v;
  return NULL;
}

static const char *check_request_id(const char *s, size_t n) {
  return chars_ok(s, n, ":@") ? NULL : "request id must be RFC 3986 pchar characters";
}

/* ---- parser ----------------------------------------------------------------------------- */

typedef struct {
  arena *a;
  const char *s;
  size_t n, pos;
  int line; /* 1-based number of the line last read */
  pheme_error *err;
  const char *cur; /* the line last read */
  size_t cur_len;
} reader;

/* Reads the next line; 0 at the end of the message. */
static int next_line(reader *r) {
  if (r->pos > r->n) return 0;
  const char *nl = memchr(r->s + r->pos, '\n', r->n - r->pos);
  r->cur = r->s + r->pos;
  r->cur_len = nl ? (size_t)(nl - r->cur) : r->n - r->pos;
  r->pos += r->cur_len + 1; /* past the LF, or past the end */
  r->line++;
  return 1;
}

static int more(const reader *r) { return r->pos <= r->n; }

static pheme_err fail(reader *r, const char *what) {
  char q[PHEME_QUOTE];
  return pheme_set(r->err, PHEME_DATA_INVALID, "line %d: %s, found '%s'", r->line, what,
                     pheme_quote(q, sizeof q, r->cur, r->cur_len));
}

static pheme_err fail_end(reader *r, const char *what) {
  return pheme_set(r->err, PHEME_DATA_INVALID, "line %d: %s, but the message ends", r->line + 1, what);
}

static const char *copy(reader *r, const char *s, size_t n) { return arena_strndup(r->a, s, n); }

static pheme_err nomem(reader *r) {
  return pheme_set(r->err, PHEME_SYS_NOMEM, "siwe: out of memory");
}

static int starts(const char *s, size_t n, const char *tag) {
  size_t tl = strlen(tag);
  return n >= tl && !memcmp(s, tag, tl);
}

static const char *const TAGS[] = {"URI: ",         "Version: ",         "Chain ID: ",
                                   "Nonce: ",       "Issued At: ",       "Expiration Time: ",
                                   "Not Before: ",  "Request ID: ",      "Resources:"};
enum { T_URI, T_VERSION, T_CHAIN, T_NONCE, T_ISSUED, T_EXP, T_NBF, T_REQ, T_RES, T_COUNT };

/* Reads the line of a required field, explaining when it is missing or out of order. */
static pheme_err field_line(reader *r, int tag, const char **value, size_t *vlen) {
  char what[96];
  snprintf(what, sizeof what, "expected '%s...'", TAGS[tag]);
  if (!more(r)) return fail_end(r, what);
  next_line(r);
  if (!starts(r->cur, r->cur_len, TAGS[tag])) {
    for (int t = 0; t < T_COUNT; t++)
      if (t != tag && starts(r->cur, r->cur_len, TAGS[t])) {
        snprintf(what, sizeof what, "field out of order or missing: expected '%s...'", TAGS[tag]);
        return fail(r, what);
      }
    return fail(r, what);
  }
  *value = r->cur + strlen(TAGS[tag]);
  *vlen = r->cur_len - strlen(TAGS[tag]);
  return PHEME_OK;
}

static pheme_err parse_time_field(reader *r, const char *v, size_t n, const char **text, siwe_time *t) {
  pheme_error tmp;
  if (siwe_time_parse(t, v, n, &tmp)) return fail(r, tmp.msg);
  if (!(*text = copy(r, v, n))) return nomem(r);
  return PHEME_OK;
}

pheme_err siwe_parse(arena *a, const char *msg, size_t n, siwe_message *m, pheme_error *err) {
  reader r = {a, msg, n, 0, 0, err, msg, 0};
  const char *v;
  size_t vl;
  const char *why;
  pheme_err e;
  memset(m, 0, sizeof *m);
  if (n > SIWE_MAX_LEN) return pheme_set(err, PHEME_DATA_INVALID, "message longer than %d bytes", SIWE_MAX_LEN);
  if (memchr(msg, '\r', n)) return pheme_set(err, PHEME_DATA_INVALID, "message contains a carriage return (lines end with LF only)");
  if (memchr(msg, '\0', n)) return pheme_set(err, PHEME_DATA_INVALID, "message contains a NUL byte");
  if (n > 0 && msg[n - 1] == '\n') return pheme_set(err, PHEME_DATA_INVALID, "message ends with a newline");

  /* preamble: [scheme "://"] domain " wants you to sign in ..." */
  next_line(&r);
  size_t pl = sizeof PREAMBLE - 1;
  if (r.cur_len <= pl || memcmp(r.cur + r.cur_len - pl, PREAMBLE, pl) != 0)
    return fail(&r, "expected '<domain> wants you to sign in with your Ethereum account:'");
  const char *dom = r.cur;
  size_t dl = r.cur_len - pl;
  const char *sep = NULL;
  for (size_t i = 0; i + 3 <= dl; i++)
    if (!memcmp(dom + i, "://", 3)) {
      sep = dom + i;
      break;
    }
  if (sep) {
    if (!scheme_ok(dom, (size_t)(sep - dom))) return fail(&r, "invalid scheme before the domain");
    if (!(m->scheme = copy(&r, dom, (size_t)(sep - dom)))) return nomem(&r);
    dl -= (size_t)(sep - dom) + 3;
    dom = sep + 3;
  }
  if (!authority_ok(dom, dl, 1)) return fail(&r, "invalid domain (an RFC 3986 authority: host and optional port)");
  if (!(m->domain = copy(&r, dom, dl))) return nomem(&r);

  if (!more(&r)) return fail_end(&r, "expected the address");
  next_line(&r);
  pheme_error tmp;
  if (address_parse(m->address_bytes, r.cur, r.cur_len, ADDRESS_CHECKSUM_REQUIRED, &tmp)) return fail(&r, tmp.msg);
  memcpy(m->address, r.cur, 42);
  m->address[42] = 0;

  if (!more(&r)) return fail_end(&r, "expected an empty line after the address");
  next_line(&r);
  if (r.cur_len) return fail(&r, "expected an empty line after the address");
  if (!more(&r)) return fail_end(&r, "expected the statement or an empty line");
  next_line(&r);
  if (r.cur_len) {
    if ((why = check_statement(r.cur, r.cur_len))) return fail(&r, why);
    if (!(m->statement = copy(&r, r.cur, r.cur_len))) return nomem(&r);
    if (!more(&r)) return fail_end(&r, "expected an empty line after the statement");
    next_line(&r);
    if (r.cur_len) {
      if (starts(r.cur, r.cur_len, "URI: ")) return fail(&r, "expected an empty line before 'URI:'");
      return fail(&r, "expected an empty line after the statement (a statement is one line)");
    }
  }

  if ((e = field_line(&r, T_URI, &v, &vl))) return e;
  if (!siwe_uri_valid(v, vl)) return fail(&r, "invalid URI (RFC 3986)");
  if (!(m->uri = copy(&r, v, vl))) return nomem(&r);

  if ((e = field_line(&r, T_VERSION, &v, &vl))) return e;
  if (vl != 1 || v[0] != '1') return fail(&r, "version must be 1");
  m->version = "1";

  if ((e = field_line(&r, T_CHAIN, &v, &vl))) return e;
  if ((why = check_chain_id(v, vl, &m->chain_id))) return fail(&r, why);

  if ((e = field_line(&r, T_NONCE, &v, &vl))) return e;
  if ((why = check_nonce(v, vl))) return fail(&r, why);
  if (!(m->nonce = copy(&r, v, vl))) return nomem(&r);

  if ((e = field_line(&r, T_ISSUED, &v, &vl))) return e;
  if ((e = parse_time_field(&r, v, vl, &m->issued_at, &m->issued_at_time))) return e;

  /* optional fields, each at most once and in order */
  int next_tag = T_EXP;
  while (more(&r)) {
    next_line(&r);
    int tag = -1;
    for (int t = next_tag; t < T_COUNT && tag < 0; t++)
      if (starts(r.cur, r.cur_len, TAGS[t])) tag = t;
    if (tag < 0) {
      for (int t = 0; t < T_COUNT; t++)
        if (starts(r.cur, r.cur_len, TAGS[t])) return fail(&r, "field out of order or repeated");
      return fail(&r, "unexpected line");
    }
    v = r.cur + strlen(TAGS[tag]);
    vl = r.cur_len - strlen(TAGS[tag]);
    next_tag = tag + 1;
    switch (tag) {
      case T_EXP:
        if ((e = parse_time_field(&r, v, vl, &m->expiration_time, &m->expiration))) return e;
        break;
      case T_NBF:
        if ((e = parse_time_field(&r, v, vl, &m->not_before, &m->not_before_time))) return e;
        break;
      case T_REQ:
        if ((why = check_request_id(v, vl))) return fail(&r, why);
        if (!(m->request_id = copy(&r, v, vl))) return nomem(&r);
        break;
      case T_RES: {
        if (vl) return fail(&r, "expected 'Resources:' alone on its line");
        m->has_resources = 1;
        const char **list = arena_alloc(a, SIWE_MAX_RESOURCES * sizeof *list);
        if (!list) return nomem(&r);
        while (more(&r)) {
          next_line(&r);
          if (!starts(r.cur, r.cur_len, "- ")) return fail(&r, "expected a resource line '- <uri>'");
          if (!siwe_uri_valid(r.cur + 2, r.cur_len - 2)) return fail(&r, "invalid resource URI (RFC 3986)");
          if (m->n_resources == SIWE_MAX_RESOURCES) return fail(&r, "too many resources");
          if (!(list[m->n_resources++] = copy(&r, r.cur + 2, r.cur_len - 2))) return nomem(&r);
        }
        m->resources = list;
        break;
      }
    }
  }
  return PHEME_OK;
}

/* ---- renderer --------------------------------------------------------------------------- */

static pheme_err render_bad(pheme_error *err, const char *field, const char *value, const char *why) {
  char q[PHEME_QUOTE];
  return pheme_set(err, PHEME_DATA_INVALID, "invalid %s '%s': %s", field,
                     pheme_quote(q, sizeof q, value ? value : "(null)", value ? strlen(value) : 6), why);
}

pheme_err siwe_render(buf *out, const siwe_message *m, pheme_error *err) {
  pheme_error tmp;
  const char *why;
  uint8_t addr[ADDRESS_LEN];
  siwe_time t;
  if (m->scheme && !scheme_ok(m->scheme, strlen(m->scheme))) return render_bad(err, "scheme", m->scheme, "RFC 3986 scheme");
  if (!m->domain || !authority_ok(m->domain, strlen(m->domain), 1))
    return render_bad(err, "domain", m->domain, "an RFC 3986 authority: host and optional port");
  if (address_parse(addr, m->address, strlen(m->address), ADDRESS_CHECKSUM_REQUIRED, &tmp))
    return pheme_set(err, PHEME_DATA_INVALID, "%s", tmp.msg);
  if (m->statement && (why = check_statement(m->statement, strlen(m->statement))))
    return render_bad(err, "statement", m->statement, why);
  if (!m->uri || !siwe_uri_valid(m->uri, strlen(m->uri))) return render_bad(err, "uri", m->uri, "RFC 3986 URI");
  if (!m->version || strcmp(m->version, "1")) return render_bad(err, "version", m->version, "must be 1");
  if (!m->nonce || (why = check_nonce(m->nonce, strlen(m->nonce)))) return render_bad(err, "nonce", m->nonce, why ? why : "missing");
  const char *times[] = {m->issued_at, m->expiration_time, m->not_before};
  if (!m->issued_at) return render_bad(err, "issued at", NULL, "missing");
  for (int i = 0; i < 3; i++)
    if (times[i] && siwe_time_parse(&t, times[i], strlen(times[i]), &tmp))
      return pheme_set(err, PHEME_DATA_INVALID, "%s", tmp.msg);
  if (m->request_id && (why = check_request_id(m->request_id, strlen(m->request_id))))
    return render_bad(err, "request id", m->request_id, why);
  for (size_t i = 0; i < m->n_resources; i++)
    if (!siwe_uri_valid(m->resources[i], strlen(m->resources[i])))
      return render_bad(err, "resource", m->resources[i], "RFC 3986 URI");
  char chain_text[24];
  snprintf(chain_text, sizeof chain_text, "%llu", (unsigned long long)m->chain_id);

  /* piece by piece: no format string to interpret for a message rendered on every nonce */
  int r = 0;
  if (m->scheme) r |= buf_adds(out, m->scheme) | buf_adds(out, "://");
  r |= buf_adds(out, m->domain) | buf_adds(out, PREAMBLE) | buf_addc(out, '\n') | buf_adds(out, m->address) |
       buf_adds(out, "\n\n");
  if (m->statement) r |= buf_adds(out, m->statement) | buf_addc(out, '\n');
  r |= buf_adds(out, "\nURI: ") | buf_adds(out, m->uri) | buf_adds(out, "\nVersion: 1\nChain ID: ") |
       buf_adds(out, chain_text) | buf_adds(out, "\nNonce: ") | buf_adds(out, m->nonce) |
       buf_adds(out, "\nIssued At: ") | buf_adds(out, m->issued_at);
  if (m->expiration_time) r |= buf_adds(out, "\nExpiration Time: ") | buf_adds(out, m->expiration_time);
  if (m->not_before) r |= buf_adds(out, "\nNot Before: ") | buf_adds(out, m->not_before);
  if (m->request_id) r |= buf_adds(out, "\nRequest ID: ") | buf_adds(out, m->request_id);
  if (m->has_resources || m->n_resources) {
    r |= buf_adds(out, "\nResources:");
    for (size_t i = 0; i < m->n_resources; i++) r |= buf_adds(out, "\n- ") | buf_adds(out, m->resources[i]);
  }
  return r ? pheme_set(err, PHEME_SYS_NOMEM, "siwe: message larger than its buffer's cap") : PHEME_OK;
}
