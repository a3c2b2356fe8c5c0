/* Review panels: a reproducible, stake-weighted draw without replacement. Pure: the caller passes
 * the candidate validators (from the chain projection and the reputation engine) and gets indices.
 *
 * Seed: keccak256 of the submission id as a 32-byte big-endian uint256 (the same encoding as the
 * review's submissionId). Each candidate's draw is u = the top 53 bits of keccak256(seed ||
 * address) as a fraction in (0, 1), so a validator's luck depends only on the submission and its
 * own address, not on the order in which storage lists the candidates. The panel is the k
 * eligible candidates with the largest key ln(u) / w (Efraimidis-Spirakis: equal to drawing one at
 * a time with probability proportional to w, without replacement), ties broken by address.
 *
 * w = stake (PANEL_STAKE_WEIGHTED, the default): splitting a stake over several validators does not
 * raise the chance of a seat, so it is neutral to Sybils, and it matches the weight the stake has in
 * the consensus median. PANEL_UNIFORM (w = 1) is there for tests and tasks that want it.
 *
 * Eligible: stake >= min_stake, domain score >= the task's requirement, not the submitter (by person:
 * none of the submitter's wallets), not a previous panel member nor another wallet of that member's
 * person (disputes draw a fresh panel), and at most one wallet per person (the first drawn wins). */
#ifndef PHEME_VALIDATION_PANEL_H
#define PHEME_VALIDATION_PANEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define PANEL_MAX_CANDIDATES 100000

typedef struct {
  int64_t validator_id;
  int64_t person_id;     /* the person behind the wallet: two wallets of one person share it */
  uint8_t address[20];
  double stake;          /* whole tokens */
  double domain_score;   /* 0..100 in the task's domain */
} panel_candidate;

typedef enum { PANEL_STAKE_WEIGHTED, PANEL_UNIFORM } panel_mode;

typedef struct {
  int64_t submission_id;    /* >= 0 */
  int64_t submitter_person;
  double min_stake;
  double min_domain_score;
  const int64_t *exclude_validators; /* previous panel members (disputes); may be NULL */
  size_t n_exclude;
  panel_mode mode;
} panel_request;

/* The 32-byte seed of a submission's draws. */
void panel_seed(uint8_t seed[32], int64_t submission_id);

/* Draws up to k validators: writes their indices into cands to out (best key first) and their
 * number to *drawn (fewer than k when too few are eligible: the caller escalates). Returns 0, or
 * PHEME_DATA_INVALID with err set (negative submission id, more than PANEL_MAX_CANDIDATES), or
 * PHEME_SYS_NOMEM. */
pheme_err panel_draw(const panel_request *req, const panel_candidate *cands, size_t n, size_t k,
                     size_t *out, size_t *drawn, char *err, size_t errlen) PHEME_MUST_CHECK;

#endif
