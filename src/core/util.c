/* Clocks, randomness and encodings; see util.h. */
#include "core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <nettle/sha2.h>

#include "core/banned.h"

int64_t time_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t time_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int random_bytes(void *p, size_t n) {
  uint8_t *o = p;
  while (n > 0) {
    ssize_t r = getrandom(o, n, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    o += r;
    n -= (size_t)r;
  }
  return 0;
}

/* The one hex codec of the program (eth/hex.h adds the 0x prefix, odd lengths and messages). */
void bytes_to_hex(char *out, const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = 0;
}

/* A digit's value plus one, 0 for anything else: one load per character in the decoder. */
static const uint8_t digit_plus_one[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int hex_digit(int c) { return c >= 0 && c < 256 ? digit_plus_one[c] - 1 : -1; }

int hex_to_bytes(uint8_t *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int hi = digit_plus_one[(unsigned char)s[2 * i]];
    int lo = hi ? digit_plus_one[(unsigned char)s[2 * i + 1]] : 0;
    if (!hi || !lo) return -1;
    out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
  }
  return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64url_len(size_t n) { return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0); }

void base64url_encode(char *out, const uint8_t *p, size_t n) {
  size_t o = 0, i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    out[o++] = b64[v >> 18];
    out[o++] = b64[v >> 12 & 63];
    out[o++] = b64[v >> 6 & 63];
    out[o++] = b64[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    out[o++] = b64[v >> 18];
    out[o++] = b64[v >> 12 & 63];
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    out[o++] = b64[v >> 18];
    out[o++] = b64[v >> 12 & 63];
    out[o++] = b64[v >> 6 & 63];
  }
  out[o] = 0;
}

static int b64val(char c) {
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

long base64url_decode(uint8_t *out, size_t cap, const char *s, size_t n) {
  if (n % 4 == 1) return -1;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64val(s[i]);
    if (v < 0) return -1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= cap) return -1;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  /* Leftover bits must be zero: one encoding per byte string. */
  if (bits && (acc & ((1u << bits) - 1))) return -1;
  return (long)o;
}

void sha256(uint8_t out[32], const void *p, size_t n) {
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, n, p);
  sha256_digest(&c, 32, out);
}

int parse_int(const char *s, long long min, long long max, long long *out) {
  if (!s || !*s) return -1;
  const char *p = s;
  int neg = 0;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  if (!*p) return -1;
  unsigned long long v = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') return -1;
    if (v > (unsigned long long)1e18) return -1;
    v = v * 10 + (unsigned)(*p - '0');
  }
  if (v > (unsigned long long)9e18) return -1;
  long long r = neg ? -(long long)v : (long long)v;
  if (r < min || r > max) return -1;
  *out = r;
  return 0;
}

int address_parse_hex(uint8_t out[20], const char *s) {
  if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || strlen(s) != 42) return -1;
  return hex_to_bytes(out, s + 2, 20);
}

void address_format_hex(char out[43], const uint8_t addr[20]) {
  out[0] = '0';
  out[1] = 'x';
  bytes_to_hex(out + 2, addr, 20);
}

int uint256_decimal_valid(const char *s) {
  static const char max[] =
      "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  size_t n = strlen(s);
  if (n == 0 || n > sizeof max - 1) return 0;
  if (n > 1 && s[0] == '0') return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return n < sizeof max - 1 || strcmp(s, max) <= 0;
}

/* Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day count from 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int time_format_rfc3339(char out[TIME_RFC3339_TEXT], int64_t ms) {
  int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days--;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999) {
    out[0] = 0;
    return -1;
  }
  /* digit by digit: no format string on the hot paths (answers, logs, sign-in messages) */
  unsigned fields[] = {(unsigned)y / 100, (unsigned)y % 100, m, d, (unsigned)(rem / 3600000),
                       (unsigned)(rem / 60000 % 60), (unsigned)(rem / 1000 % 60)};
  static const unsigned char at[] = {0, 2, 5, 8, 11, 14, 17};
  memcpy(out, "0000-00-00T00:00:00.000Z", TIME_RFC3339_TEXT);
  for (size_t i = 0; i < sizeof at; i++) {
    out[at[i]] = (char)('0' + fields[i] / 10);
    out[at[i] + 1] = (char)('0' + fields[i] % 10);
  }
  unsigned f = (unsigned)(rem % 1000);
  out[20] = (char)('0' + f / 100);
  out[21] = (char)('0' + f / 10 % 10);
  out[22] = (char)('0' + f % 10);
  return 0;
}

int choice_in(const char *choices, const char *v) {
  size_t n = strlen(v);
  for (const char *p = choices; *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && n && memcmp(p, v, n) == 0) return 1;
    p += len + (bar ? 1 : 0);
  }
  return 0;
}
