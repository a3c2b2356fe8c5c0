/* Reproducible stake-weighted panel draws; see panel.h. */
#include "validation/panel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eth/keccak.h"

#include "core/banned.h"

void panel_seed(uint8_t seed[32], int64_t submission_id) {
  uint8_t be[32] = {0};
  uint64_t v = (uint64_t)submission_id;
  for (int i = 0; i < 8; i++) be[31 - i] = (uint8_t)(v >> (8 * i));
  keccak_256(seed, be, sizeof be);
}

typedef struct {
  size_t index;
  double key;
  const uint8_t *address;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key > y->key ? -1 : 1;
  return memcmp(x->address, y->address, 20);
}

/* 1 when c is an excluded member, or another wallet of an excluded member's person (persons[] holds
 * the persons of the excluded members found among the candidates) */
static int excluded(const panel_request *req, const int64_t *persons, size_t np,
                    const panel_candidate *c) {
  for (size_t i = 0; i < req->n_exclude; i++)
    if (req->exclude_validators[i] == c->validator_id) return 1;
  for (size_t i = 0; i < np; i++)
    if (persons[i] == c->person_id) return 1;
  return 0;
}

pheme_err panel_draw(const panel_request *req, const panel_candidate *cands, size_t n, size_t k,
                     size_t *out, size_t *drawn, char *err, size_t errlen) {
  *drawn = 0;
  if (req->submission_id < 0) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "invalid submission id %lld", (long long)req->submission_id);
  }
  if (n > PANEL_MAX_CANDIDATES) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "%zu candidates exceed the limit of %d", n, PANEL_MAX_CANDIDATES);
  }
  if (n == 0 || k == 0) return PHEME_OK;
  if (req->n_exclude > PANEL_MAX_CANDIDATES) {
    return pheme_fail(PHEME_DATA_INVALID, err, errlen, "%zu excluded validators exceed the limit of %d", req->n_exclude, PANEL_MAX_CANDIDATES);
  }
  keyed *ks = malloc(n * sizeof *ks);
  int64_t *persons = malloc((req->n_exclude ? req->n_exclude : 1) * sizeof *persons);
  if (!ks || !persons) {
    free(ks);
    free(persons);
    return PHEME_SYS_NOMEM;
  }
  size_t np = 0;
  for (size_t i = 0; i < req->n_exclude; i++)
    for (size_t j = 0; j < n; j++)
      if (cands[j].validator_id == req->exclude_validators[i]) {
        persons[np++] = cands[j].person_id;
        break;
      }
  uint8_t seed[32], h[32], msg[52];
  panel_seed(seed, req->submission_id);
  memcpy(msg, seed, 32);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    const panel_candidate *c = &cands[i];
    if (!(c->stake >= req->min_stake) || !(c->stake > 0) || !(c->domain_score >= req->min_domain_score))
      continue;
    if (c->person_id == req->submitter_person || excluded(req, persons, np, c)) continue;
    memcpy(msg + 32, c->address, 20);
    keccak_256(h, msg, sizeof msg);
    uint64_t top = 0;
    for (int j = 0; j < 8; j++) top = top << 8 | h[j];
    double u = ((double)(top >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
    double w = req->mode == PANEL_UNIFORM ? 1.0 : c->stake;
    ks[m++] = (keyed){i, log(u) / w, c->address};
  }
  qsort(ks, m, sizeof *ks, cmp_keyed);
  for (size_t i = 0; i < m && *drawn < k; i++) {
    int64_t person = cands[ks[i].index].person_id;
    int dup = 0;
    for (size_t j = 0; j < *drawn; j++) dup |= cands[out[j]].person_id == person;
    if (!dup) out[(*drawn)++] = ks[i].index;
  }
  free(ks);
  free(persons);
  return PHEME_OK;
}
