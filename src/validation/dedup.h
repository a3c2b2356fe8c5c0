/* Near-duplicate detection: word shingles, MinHash signatures and an LSH-banded in-memory index.
 *
 * A text is normalised (ASCII letters lower-cased; every byte that is not an ASCII letter or digit
 * and not part of a multi-byte UTF-8 character separates words, so punctuation and whitespace of
 * any kind are the same), cut into shingles of `shingle_words` consecutive words (a text with fewer
 * words is one shingle), and each shingle hashed with XXH64. The MinHash signature has `hashes`
 * values: value i is the minimum over the shingles of the high 32 bits of (a_i * h + b_i) mod 2^64,
 * a_i odd, a_i and b_i drawn from splitmix64(seed). The share of equal values between two
 * signatures estimates the Jaccard similarity of their shingle sets, with standard error
 * sqrt(J(1-J)/hashes).
 *
 * The index keys every signature under `bands` band keys (XXH64 of `rows` consecutive values); a
 * query's candidates are the entries sharing at least one band key, a pair with similarity s being
 * a candidate with probability 1 - (1 - s^rows)^bands (the S-curve, docs/validation.md). Candidates
 * are then scored on the whole signature and kept when the estimate reaches the threshold.
 *
 * Threads: one writer, many readers (a pthread rwlock): dedup_index_add / _remove / _bulk_load take
 * it for writing, dedup_index_query and dedup_index_memory for reading. Storage-free: the pipeline
 * rebuilds the index from stored texts at start with dedup_index_bulk_load. */
#ifndef PHEME_VALIDATION_DEDUP_H
#define PHEME_VALIDATION_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define DEDUP_MAX_HASHES 512
#define DEDUP_MAX_SHINGLE_WORDS 16
#define DEDUP_MAX_ENTRIES 50000000u /* the index refuses to grow past this (SYS_NOMEM) */

typedef struct {
  unsigned shingle_words; /* 1..DEDUP_MAX_SHINGLE_WORDS */
  unsigned hashes;        /* signature length, 8..DEDUP_MAX_HASHES */
  unsigned bands, rows;   /* bands * rows <= hashes */
  double threshold;       /* Jaccard estimate at or above which a pair is a near-duplicate */
  uint64_t seed;          /* of the hash functions; every signature in one index uses the same */
} dedup_params;

/* Fills p. bands = rows = 0 asks for dedup_tune's choice for the threshold. Returns 0, or
 * PHEME_SYS_CONFIG with err naming the bad value (threshold outside (0,1], shingle_words or hashes
 * out of range, bands * rows > hashes, only one of bands and rows given). */
pheme_err dedup_params_init(dedup_params *p, double threshold, unsigned shingle_words,
                            unsigned hashes, unsigned bands, unsigned rows, char *err,
                            size_t errlen) PHEME_MUST_CHECK;

/* The (bands, rows) with bands * rows <= hashes minimising the false-positive area (integral of
 * the S-curve over [0, threshold]) plus DEDUP_FN_WEIGHT times the false-negative area (integral
 * of 1 - curve over [threshold, 1]). A false positive costs one signature comparison (every
 * candidate is checked on the whole signature); a false negative is a copy let through. */
#define DEDUP_FN_WEIGHT 4.0
void dedup_tune(unsigned hashes, double threshold, unsigned *bands, unsigned *rows);

/* The probability that a pair with Jaccard similarity s shares a band: 1 - (1 - s^rows)^bands. */
double dedup_scurve(double s, unsigned bands, unsigned rows);

/* Computes text's signature into sig[p->hashes]. Returns the number of distinct shingle hashes
 * seen (0 for a text without a word: sig is then all 0xFFFFFFFF and should be neither indexed nor
 * queried), or -1 when memory is short. */
long dedup_signature(const dedup_params *p, const char *text, size_t len, uint32_t *sig);

/* The exact Jaccard similarity of two texts' shingle sets (tests and the benchmark's reference):
 * |A ∩ B| / |A ∪ B|, 0 when both are empty, -1 when memory is short. */
double dedup_jaccard_exact(const dedup_params *p, const char *a, size_t alen, const char *b,
                           size_t blen);

/* The share of equal values in two signatures of p->hashes values. */
double dedup_estimate(const dedup_params *p, const uint32_t *a, const uint32_t *b);

typedef struct dedup_index dedup_index;

typedef struct {
  int64_t submission_id;
  int64_t person_id;
  double jaccard; /* the signature estimate */
} dedup_match;

/* A new empty index over params (copied). NULL when memory is short. Free with dedup_index_free. */
dedup_index *dedup_index_new(const dedup_params *p);
void dedup_index_free(dedup_index *ix);

/* Adds (or replaces) the signature of a submission. Returns 0, or PHEME_SYS_NOMEM (the index is
 * unchanged). */
pheme_err dedup_index_add(dedup_index *ix, int64_t submission_id, int64_t person_id,
                          const uint32_t *sig) PHEME_MUST_CHECK;

/* Removes a submission; 0 when it was there, PHEME_DATA_NOT_FOUND when it was not. */
pheme_err dedup_index_remove(dedup_index *ix, int64_t submission_id);

/* The entries whose estimated Jaccard with sig reaches the threshold, excluding those of
 * exclude_person (the submitter: a person re-using their own text is not a duplicate) and the
 * submission exclude_submission (0 for none), best first, at most max written to out; *total is
 * the number found (may exceed max). Returns 0 or PHEME_SYS_NOMEM. */
pheme_err dedup_index_query(dedup_index *ix, const uint32_t *sig, int64_t exclude_person,
                            int64_t exclude_submission, dedup_match *out, size_t max,
                            size_t *total) PHEME_MUST_CHECK;

/* Entries held. */
size_t dedup_index_size(dedup_index *ix);
/* Bytes of heap the index holds (signatures, band tables, chains, id map). */
size_t dedup_index_memory(dedup_index *ix);

/* Bulk load at start: calls next(ctx, ...) until it returns 0 (done) or -1 (error: the load stops
 * with PHEME_SYS_IO); each row is one stored submission's text. Texts without words are skipped.
 * Returns 0, PHEME_SYS_IO or PHEME_SYS_NOMEM; *loaded (may be NULL) counts the entries added. */
typedef int (*dedup_next_fn)(void *ctx, int64_t *submission_id, int64_t *person_id,
                             const char **text, size_t *len);
pheme_err dedup_index_bulk_load(dedup_index *ix, dedup_next_fn next, void *ctx, size_t *loaded)
    PHEME_MUST_CHECK;

#endif
