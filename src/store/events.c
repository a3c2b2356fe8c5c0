/* The domain event outbox (migration 0015): one row per domain change, written inside the
 * change's own transaction. Readers and deliverers live above the store; this file only writes. */
#include <ctype.h>
#include <stdio.h>

#include "store/internal.h"
#include "core/banned.h"

pheme_err sx_event(sx *x, const char *kind, int64_t user_id, int is_public,
                   const char *subject_type, int64_t subject_id, const char *data, int64_t now) {
  db_result r;
  x->wrote_event = 1;
  return Q(x, &r,
           "INSERT INTO events (kind, user_id, public, subject_type, subject_id, data, at) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7)",
           dbv_text(kind), user_id ? dbv_int(user_id) : dbv_null(), dbv_int(is_public ? 1 : 0),
           dbv_text(subject_type ? subject_type : ""), subject_id ? dbv_int(subject_id) : dbv_null(),
           dbv_text(data ? data : "{}"), dbv_int(now));
}

/* "submission.<state in lower case>" for a submission that moved to state `to`: the person who
 * submitted sees it (private). States are the schema's fixed upper-case words. */
pheme_err sx_submission_state_event(sx *x, int64_t sub_id, const char *from, const char *to,
                                    const char *event, int64_t now) {
  char kind[64], data[256];
  size_t n = (size_t)snprintf(kind, sizeof kind, "submission.");
  for (const char *p = to; *p && n + 1 < sizeof kind; p++) kind[n++] = (char)tolower((unsigned char)*p);
  kind[n] = 0;
  snprintf(data, sizeof data, "{\"submission_id\":%lld,\"from\":\"%s\",\"to\":\"%s\",\"step\":\"%s\"}",
           (long long)sub_id, from, to, event);
  db_result r;
  x->wrote_event = 1;
  return Q(x, &r,
           "INSERT INTO events (kind, user_id, public, subject_type, subject_id, data, at) "
           "SELECT $1, user_id, 0, 'submission', id, $2, $3 FROM submissions WHERE id = $4",
           dbv_text(kind), dbv_text(data), dbv_int(now), dbv_int(sub_id));
}
