/* What the files of src/matching share and no caller of matching.h sees: the index itself. */
#ifndef PHEME_MATCHING_INTERNAL_H
#define PHEME_MATCHING_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "matching/matching.h"

/* One skill's posting list: rows with a level > 0, by (level desc, user id asc), and beside each
 * the row's skills mask (bit c: a level in column c, for the first 64 columns), so that a query
 * drops the people lacking one of its skills without touching their rows. */
typedef struct {
  uint32_t *v;
  uint64_t *mask;
  uint32_t n, cap;
} posting;

/* An open task as the index keeps it. */
typedef struct {
  int64_t id, creator_id, deadline;
  int difficulty, min_rep, min_level, nskills;
  int16_t col[MATCHING_TASK_SKILLS]; /* the skill's column, -1 when the index does not know it */
  uint8_t min[MATCHING_TASK_SKILLS];
  size_t slug[MATCHING_TASK_SKILLS]; /* offsets into slugs */
  char *slugs;
} otask;

/* One built index (people, skills, open tasks). */
typedef struct ix {
  int nskill; /* columns: the skills catalogue at build time */
  int64_t *skill_id;
  char **slug;
  size_t n, cap; /* people */
  int64_t *uid;
  uint8_t (*addr)[20];
  size_t stride; /* bytes per row of lv */
  uint8_t *lv;   /* n rows: nskill levels, reputation, level, availability (64-byte aligned) */
  int64_t *active;
  uint32_t *slots; /* user id → row + 1, open addressing */
  size_t nslots;
  posting *post; /* per column */
  otask *tasks;
  size_t ntasks, tcap;
} ix;

#define IX_ROWP(x, row) ((x)->lv + (size_t)(row) * (x)->stride)
#define IX_LV(x, row, c) (IX_ROWP(x, row)[(c)])
#define IX_REP(x, row) (IX_ROWP(x, row)[(x)->nskill])
#define IX_MAXLV(x, row) (IX_ROWP(x, row)[(x)->nskill + 1])
#define IX_AVAIL(x, row) (IX_ROWP(x, row)[(x)->nskill + 2])

struct matching {
  pthread_rwlock_t lock; /* queries read, updates and swaps write */
  ix *cur;
  matching_reputation_fn rep_one;
  matching_reputation_range_fn rep_range;
  void *rep_ctx;
  int rep_set;
  /* the refresh thread */
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t wake;
  int running, stop, interval;
  store *refresh_store;
  /* counters (atomic) */
  uint64_t builds, updates, queries, unknown_skills;
  int64_t last_build_ms, built_at;
};

int ix_column(const ix *x, const char *slug);
int64_t ix_row(const ix *x, int64_t uid);
size_t ix_prefix(const ix *x, int c, int min);
int ix_requirements(const char *text, int *min_rep, int *min_level);

/* For tests and benchmarks: an index filled without storage. ix_test_new makes one over skills
 * named s0, s1, … with ids 1..nskill; ix_test_person adds or updates a person (levels: nskill
 * bytes); matching__swap installs it (the matching then owns it). */
ix *ix_test_new(int nskill);
int ix_test_person(ix *x, int64_t uid, const uint8_t *levels, int rep, int available, int64_t active);
int ix_test_finish(ix *x);
void matching__swap(matching *m, ix *x);

#endif
