/* The reputation engine (DESIGN §5 "Reputation", docs/reputation.md): scores people with the
 * versioned formula (formula.h) from what storage holds (store/reputation.h), keeps the EigenTrust
 * snapshot of the endorsement graph (eigentrust.h), writes a receipt for every score, and builds
 * the epochs whose Merkle roots go on chain (merkle.h).
 *
 * Incremental and full: rep_update_user rescoring one person and rep_recompute rescoring everybody
 * run the same code on the same inputs, so after the same events they store the same scores. An
 * endorsement changes everybody's trust, so it asks for a recompute (job reputation.recompute);
 * every other change (a validation, an XP ledger row, a badge, stake) asks for an update of the
 * person it concerns (job reputation.update {"user_id": N}, which the game engine enqueues, one job
 * for the people of a group commit's awards: {"user_ids": [N, …]}). */
#ifndef PHEME_REPUTATION_H
#define PHEME_REPUTATION_H

#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "eth/address.h"
#include "reputation/eigentrust.h"
#include "reputation/formula.h"
#include "store/reputation.h"
#include "store/store.h"
#include "work/principal.h"

#define REP_JOB_UPDATE "reputation.update"
#define REP_JOB_RECOMPUTE "reputation.recompute"
#define REP_BATCH_MAX 10000

typedef struct {
  store *store;
  rep_params params;
  et_options et;
  int threads;
  int64_t recompute_lease_ms; /* the recompute's lease (engine.c); 0 = 15 s; renewed every third */
} rep_engine;

/* Reads the reputation_* keys. Returns 0, or -1 with err set when the weights are inconsistent. */
pheme_err rep_engine_init(rep_engine *r, store *s, const pheme_config *cfg, char *err, size_t n);

/* Runs EigenTrust over the whole endorsement graph and stores the snapshot. lease_owner: NULL, or
 * the recompute's, which must still hold the recompute's lease when the snapshot commits
 * (STORE_REP_RECOMPUTE_LEASE; else PHEME_DATA_CONFLICT and nothing stored). */
pheme_err rep_trust_refresh(rep_engine *r, const char *lease_owner, et_stats *st) PHEME_MUST_CHECK;

/* Rescores one person at as_of with the stored trust; *changed (may be NULL) 1 when the score or
 * its inputs changed. */
pheme_err rep_update_user(rep_engine *r, int64_t user_id, int64_t as_of, int *changed) PHEME_MUST_CHECK;

typedef struct {
  int64_t people, changed;
  et_stats trust;
} rep_recompute_stats;
typedef void (*rep_progress_fn)(int64_t done, int64_t total, void *ctx);
/* Refreshes trust, then rescores everybody at as_of. progress (may be NULL) is called now and then.
 * One recompute runs at a time on a database: this waits while another process or thread runs one
 * (engine.c, "one full recompute at a time"), then reads everything it wrote. PHEME_DATA_CONFLICT
 * when *stop (may be NULL) became 1 while it waited, or the lease was lost mid-way (it stalled past
 * the lease's time and another recompute took over). */
pheme_err rep_recompute(rep_engine *r, int64_t as_of, const volatile int *stop, rep_progress_fn progress,
                        void *ctx, rep_recompute_stats *st) PHEME_MUST_CHECK;

/* The receipt of a person's score computed now at as_of, not stored: every input, every
 * intermediate, the formula, and the diff against the stored score. The caller json_decref()s. */
pheme_err rep_explain(rep_engine *r, arena *a, int64_t user_id, int64_t as_of, json_t **receipt) PHEME_MUST_CHECK;

/* Recomputes a receipt from its own params and inputs. Returns 0 when every intermediate, the
 * scores and the inputs digest match exactly; -1 with why (the first difference) otherwise. */
pheme_err rep_verify(const json_t *receipt, char *why, size_t n);

/* Endorses the person holding `to` in skill, as p. Errors: PHEME_REP_SELF, PHEME_REP_UNKNOWN_SKILL,
 * PHEME_REP_DUPLICATE, PHEME_DATA_NOT_FOUND (nobody holds `to`). */
pheme_err rep_endorse(rep_engine *r, arena *a, const work_principal *p, const store_actor *who,
                      const uint8_t to[20], const char *skill_slug, store_rep_endorsement *out) PHEME_MUST_CHECK;

/* ---- bulk lookup (snapshot.c) ---- */
/* Scores by address (any linked wallet) for n addresses, as store_rep_lookup_many gives them but
 * from this process's in-memory table of every scored wallet, brought up to date with storage's
 * reputation history first (one small query when nothing changed); as_of is not kept (0). A
 * wallet unlinked or a person deleted elsewhere may still be found for up to 60 s. text (may be
 * NULL) gets each address's EIP-55 text, kept in the table for the addresses it holds. */
pheme_err rep_lookup_many(store *s, arena *a, const uint8_t (*addresses)[20], int n, store_rep_lookup *out,
                          char (*text)[ADDRESS_TEXT]) PHEME_MUST_CHECK;
/* Drops the table. The table follows one store at a time, told apart by its address and driver:
 * a process that frees a store and opens another of the same driver calls this in between. */
void rep_lookup_forget(void);

/* ---- epochs ---- */
/* Commits the current scores (whole points) to a new round's Merkle tree and stores it: the
 * round after the newest stored one, and at least min_round (the oracle's next round; 0: none). */
pheme_err rep_epoch_build(rep_engine *r, const store_actor *who, int64_t min_round, int64_t *round,
                          uint8_t root[32], int64_t *leaves) PHEME_MUST_CHECK;
typedef struct {
  int64_t round;
  int score;
  int nproof;
  uint8_t proof[64][32];
  uint8_t root[32];
} rep_proof;
/* The proof of address's score in the newest epoch; PHEME_DATA_NOT_FOUND when no epoch holds it. */
pheme_err rep_epoch_proof(rep_engine *r, arena *a, const uint8_t address[20], rep_proof *out) PHEME_MUST_CHECK;

/* Registers the job kinds reputation.update and reputation.recompute, and schedules the latter
 * every reputation_recompute_interval seconds. Returns 0, or -1 when the table is full. */
int rep_register_jobs(rep_engine *r, const pheme_config *cfg) PHEME_MUST_CHECK;

/* ---- commands (cli.c) ---- */
#define REP_CLI_USAGE                                                                         \
  "reputation recompute | explain ADDRESS | verify RECEIPT.json | history ADDRESS | epoch\n" \
  "       pheme reputation add-signature ROUND 0xSIGNATURE | publish ROUND"
int rep_cli(const pheme_config *cfg, store *s, char **args, int nargs);
/* pheme validator sign-round ROUND --key HEX|@FILE: prints the validator's signature of the stored
 * epoch ROUND as ReputationOracle's EIP-712 round, for `pheme reputation add-signature`. */
#define REP_SIGN_USAGE "validator sign-round ROUND --key HEX|@FILE"
int rep_cli_sign_round(const pheme_config *cfg, store *s, char **args, int nargs);

#endif
