/* Figures about the whole site (the landing page's numbers); see store.h. */
#include <string.h>

#include "store/internal.h"
#include "core/banned.h"

pheme_err store_site_stats(store *s, arena *a, site_stats *out) {
  memset(out, 0, sizeof *out);
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q0(&x, &r,
         "SELECT (SELECT count(*) FROM tasks WHERE status = 'OPEN'), "
         "(SELECT count(*) FROM user_xp WHERE xp > 0), (SELECT count(*) FROM guilds), "
         "(SELECT count(*) FROM skills), (SELECT count(*) FROM quests)");
  if (!e && r.rows == 1) {
    out->open_tasks = db_int(&r, 0, 0);
    out->people = db_int(&r, 0, 1);
    out->guilds = db_int(&r, 0, 2);
    out->skills = db_int(&r, 0, 3);
    out->quests = db_int(&r, 0, 4);
  }
  sx_end(&x);
  return e;
}
