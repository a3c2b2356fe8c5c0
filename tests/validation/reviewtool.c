/* The C side of the validator-review cross-check with viem (review_interop.mjs): one JSON request
 * per input line, one JSON answer per output line.
 *   {"op":"check","chainId":N,"verifyingContract":"0x…","body":{…},"submissionId":N,"round":N}
 *     -> {"digest","criteriaHash","feedbackHash","signer","verify":"ok"|error text,"code"}
 *   {"op":"sign", … same …, "key":"0x…"}   (body.signature may be any well-formed placeholder)
 *     -> {"digest","signature"}
 * A body that does not parse answers {"error": "..."}. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "eth/address.h"
#include "eth/hex.h"
#include "validation/review.h"

#include "core/banned.h"

static void hexstr(char *out, const uint8_t *p, size_t n) {
  out[0] = '0';
  out[1] = 'x';
  bytes_to_hex(out + 2, p, n);
}

static json_t *handle(json_t *req) {
  const char *op = json_string_value(json_object_get(req, "op"));
  review_domain d = {(uint64_t)json_integer_value(json_object_get(req, "chainId")), {0}};
  const char *vc = json_string_value(json_object_get(req, "verifyingContract"));
  pheme_error ee;
  if (!op || !vc || address_parse(d.verifying_contract, vc, strlen(vc), 0, &ee) != PHEME_OK)
    return json_pack("{s:s}", "error", "bad request");
  char *body = json_dumps(json_object_get(req, "body"), JSON_COMPACT), err[512];
  review r;
  pheme_err e = review_parse(&r, body ? body : "", body ? strlen(body) : 0, err, sizeof err);
  free(body);
  if (e != PHEME_OK) {
    review_release(&r);
    return json_pack("{s:s}", "error", err);
  }
  uint8_t digest[32], h[32];
  char dx[67], cx[67], fx[67];
  json_t *out = NULL;
  if (review_digest(digest, &d, &r, err, sizeof err) != PHEME_OK) {
    review_release(&r);
    return json_pack("{s:s}", "error", err);
  }
  hexstr(dx, digest, 32);
  if (strcmp(op, "sign") == 0) {
    uint8_t key[32];
    const char *k = json_string_value(json_object_get(req, "key"));
    char sx[133];
    if (!k || hex_decode(key, 32, NULL, k, strlen(k), HEX_EXACT, &ee) != PHEME_OK ||
        review_sign(&r, &d, key, err, sizeof err) != PHEME_OK)
      out = json_pack("{s:s}", "error", "cannot sign");
    else {
      hexstr(sx, r.signature, 65);
      out = json_pack("{s:s,s:s}", "digest", dx, "signature", sx);
    }
  } else {
    review_criteria_hash(h, &r);
    hexstr(cx, h, 32);
    review_feedback_hash(h, &r);
    hexstr(fx, h, 32);
    uint8_t signer[20];
    char sa[ADDRESS_TEXT] = "";
    if (review_recover(signer, &d, &r, err, sizeof err) == PHEME_OK) address_to_checksum(sa, signer);
    e = review_verify(&d, &r, json_integer_value(json_object_get(req, "submissionId")),
                      (uint32_t)json_integer_value(json_object_get(req, "round")), r.validator, err,
                      sizeof err);
    out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "digest", dx, "criteriaHash", cx, "feedbackHash",
                    fx, "signer", sa, "verify", e == PHEME_OK ? "ok" : err, "code", pheme_err_code(e));
  }
  review_release(&r);
  return out;
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    json_error_t je;
    json_t *req = json_loadb(line, (size_t)n, 0, &je), *ans;
    ans = req ? handle(req) : json_pack("{s:s}", "error", je.text);
    if (req && json_object_get(req, "id")) json_object_set(ans, "id", json_object_get(req, "id"));
    char *s = json_dumps(ans, JSON_COMPACT);
    puts(s ? s : "{\"error\":\"out of memory\"}");
    free(s);
    json_decref(ans);
    json_decref(req);
  }
  free(line);
  return 0;
}
