/* The reputation engine's scores as the matching index's reputation (matching_set_reputation):
 * what src/reputation computed and stored, on 0..100 whole points. */
#include "matching/matching.h"

#include "store/reputation.h"
#include "core/banned.h"

int matching_rep_from_engine(void *ctx, int64_t user_id) {
  store *s = ctx;
  arena a;
  arena_init(&a, 0);
  store_rep_score sc;
  int points = store_rep_score_get(s, &a, user_id, &sc) == PHEME_OK ? (int)(sc.score / 1000000) : 0;
  arena_release(&a);
  return points < 0 ? 0 : points > 100 ? 100 : points;
}
