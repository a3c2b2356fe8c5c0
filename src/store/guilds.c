/* Guilds and their members; see store.h. */
#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

#define GUILD_COLS "g.id, g.slug, g.name, g.type, g.description, g.owner_id, g.member_count, g.created_at"

static void read_guild(const db_result *r, int i, guild *g) {
  g->id = db_int(r, i, 0);
  g->slug = db_text(r, i, 1);
  g->name = db_text(r, i, 2);
  g->type = db_text(r, i, 3);
  g->description = db_text(r, i, 4);
  g->owner_id = db_int(r, i, 5);
  g->member_count = db_int(r, i, 6);
  g->created_at = db_int(r, i, 7);
}

static pheme_err get_in(sx *x, const char *slug, guild *out) {
  db_result r;
  pheme_err e = Q(x, &r, "SELECT " GUILD_COLS " FROM guilds g WHERE g.slug = $1", dbv_text(slug));
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  read_guild(&r, 0, out);
  return PHEME_OK;
}

pheme_err store_guild_create(store *s, arena *a, const store_actor *who, guild *g) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q(&x, &r,
        "INSERT INTO guilds (slug, name, type, description, owner_id, member_count, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
        dbv_text(g->slug), dbv_text(g->name), dbv_text(g->type), dbv_text(g->description),
        dbv_int(g->owner_id), dbv_int(now));
  if (!e) {
    g->id = db_int(&r, 0, 0);
    e = Q(&x, NULL,
          "INSERT INTO guild_members (guild_id, user_id, role, joined_at) VALUES ($1, $2, 'OWNER', $3)",
          dbv_int(g->id), dbv_int(g->owner_id), dbv_int(now));
  }
  if (!e) e = sx_audit(&x, who, "guild.create", "guild", g->id, NULL);
  if (!e) e = get_in(&x, g->slug, g);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_guild_get(store *s, arena *a, const char *slug, guild *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = get_in(&x, slug, out);
  sx_end(&x);
  return e;
}

pheme_err store_guilds_list(store *s, arena *a, const char *type, const store_page *p, guild **out,
                            int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " GUILD_COLS " FROM guilds g WHERE g.id < $1 AND ($2 = '' OR g.type = $2) "
        "ORDER BY g.id DESC LIMIT $3",
        dbv_int(page_before(p)), dbv_text(type ? type : ""), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) read_guild(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

pheme_err store_guild_join(store *s, const store_actor *who, int64_t guild_id, int64_t user_id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  e = Q(&x, NULL,
        "INSERT INTO guild_members (guild_id, user_id, role, joined_at) VALUES ($1, $2, 'MEMBER', $3)",
        dbv_int(guild_id), dbv_int(user_id), dbv_int(time_now_ms()));
  if (!e)
    e = Q(&x, NULL, "UPDATE guilds SET member_count = member_count + 1 WHERE id = $1", dbv_int(guild_id));
  if (!e) e = sx_audit(&x, who, "guild.join", "guild", guild_id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_guild_leave(store *s, const store_actor *who, int64_t guild_id, int64_t user_id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  /* Deleting first and counting what was deleted keeps member_count right when two leaves of
   * one member race: only the one that removed the row decrements. */
  e = Q(&x, &r,
        "DELETE FROM guild_members WHERE guild_id = $1 AND user_id = $2 AND role <> 'OWNER' RETURNING user_id",
        dbv_int(guild_id), dbv_int(user_id));
  if (!e && r.rows == 0) {
    e = Q(&x, &r, "SELECT role FROM guild_members WHERE guild_id = $1 AND user_id = $2",
          dbv_int(guild_id), dbv_int(user_id));
    if (!e) e = r.rows ? PHEME_DATA_STATE /* the owner stays */ : PHEME_DATA_NOT_FOUND;
  }
  if (!e)
    e = Q(&x, NULL, "UPDATE guilds SET member_count = member_count - 1 WHERE id = $1", dbv_int(guild_id));
  if (!e) e = sx_audit(&x, who, "guild.leave", "guild", guild_id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_guild_members(store *s, arena *a, int64_t guild_id, const store_page *p,
                              guild_member **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT m.user_id, u.address, u.display_name, m.role, m.joined_at FROM guild_members m "
        "JOIN users u ON u.id = m.user_id WHERE m.guild_id = $1 AND m.user_id < $2 "
        "ORDER BY m.user_id DESC LIMIT $3",
        dbv_int(guild_id), dbv_int(page_before(p)), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) {
    guild_member *m = &(*out)[i];
    m->user_id = db_int(&r, i, 0);
    sx_addr(&r, i, 1, m->address);
    m->display_name = db_text(&r, i, 2);
    m->role = db_text(&r, i, 3);
    m->joined_at = db_int(&r, i, 4);
  }
  *n = r.rows;
  return PHEME_OK;
}
