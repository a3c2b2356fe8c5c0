/* The skills catalogue; see store.h. */
#include "store/internal.h"
#include "core/banned.h"

#define SKILL_COLS "k.id, k.slug, k.name, k.domain, k.description, p.slug"

static void read_skill(const db_result *r, int i, skill *k) {
  k->id = db_int(r, i, 0);
  k->slug = db_text(r, i, 1);
  k->name = db_text(r, i, 2);
  k->domain = db_text(r, i, 3);
  k->description = db_text(r, i, 4);
  k->parent = db_text(r, i, 5);
}

pheme_err store_skills_list(store *s, arena *a, const char *domain, skill **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  if (domain)
    e = Q(&x, &r,
          "SELECT " SKILL_COLS " FROM skills k LEFT JOIN skills p ON p.id = k.parent_id "
          "WHERE k.domain = $1 ORDER BY k.domain, k.slug",
          dbv_text(domain));
  else
    e = Q0(&x, &r,
           "SELECT " SKILL_COLS " FROM skills k LEFT JOIN skills p ON p.id = k.parent_id "
           "ORDER BY k.domain, k.slug");
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_skill(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_skill_get(store *s, arena *a, const char *slug, skill *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r, "SELECT " SKILL_COLS " FROM skills k LEFT JOIN skills p ON p.id = k.parent_id WHERE k.slug = $1",
        dbv_text(slug));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) read_skill(&r, 0, out);
  sx_end(&x);
  return e;
}
