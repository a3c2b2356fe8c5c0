/* Users, their wallets and the Skill Wallet view; see store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/internal.h"
#include "core/banned.h"

void sx_user_read(const db_result *r, int i, user *u) {
  u->id = db_int(r, i, 0);
  sx_addr(r, i, 1, u->address);
  u->display_name = db_text(r, i, 2);
  u->bio = db_text(r, i, 3);
  u->roles = (unsigned)db_int(r, i, 4);
  u->created_at = db_int(r, i, 5);
  u->updated_at = db_int(r, i, 6);
}

pheme_err sx_user_insert(sx *x, const uint8_t address[20], const char *display_name, int64_t now_ms,
                         int64_t *id) {
  /* roles, bio and roles_version take their defaults: user, '' and 0 (migration 0001, 0003) */
  pheme_err e = QID(x, id,
                    "INSERT INTO users (address, display_name, created_at, updated_at) "
                    "VALUES ($1, $2, $3, $3)",
                    dbv_blob(address, 20), dbv_text(display_name), dbv_int(now_ms));
  if (e) return e;
  return Q(x, NULL, "INSERT INTO wallets (address, user_id, is_primary, linked_at) VALUES ($1, $2, 1, $3)",
           dbv_blob(address, 20), dbv_int(*id), dbv_int(now_ms));
}

static pheme_err one_user(sx *x, const char *sql, dbv arg, user *out) {
  db_result r;
  pheme_err e = sx_query(x, sql, &arg, 1, &r);
  if (e) return e;
  if (r.rows == 0) return PHEME_DATA_NOT_FOUND;
  sx_user_read(&r, 0, out);
  return PHEME_OK;
}

static const char by_id[] = "SELECT " USER_COLS " FROM users u WHERE u.id = $1";
/* A user by any of their wallets (the primary address is always one of them). */
static const char by_address[] =
    "SELECT " USER_COLS " FROM wallets w JOIN users u ON u.id = w.user_id WHERE w.address = $1";

pheme_err store_user_get(store *s, arena *a, int64_t id, user *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = one_user(&x, by_id, dbv_int(id), out);
  sx_end(&x);
  return e;
}

pheme_err store_user_by_address(store *s, arena *a, const uint8_t address[20], user *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  e = one_user(&x, by_address, dbv_blob(address, 20), out);
  sx_end(&x);
  return e;
}

pheme_err store_user_ensure(store *s, arena *a, const store_actor *who, const uint8_t address[20],
                            user *out, int *created) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  *created = 0;
  e = one_user(&x, by_address, dbv_blob(address, 20), out);
  if (e == PHEME_DATA_NOT_FOUND) {
    int64_t id = 0;
    e = sx_user_insert(&x, address, "", time_now_ms(), &id);
    if (!e) e = sx_audit(&x, who, "user.create", "user", id, NULL);
    if (!e) e = one_user(&x, by_id, dbv_int(id), out);
    if (!e) *created = 1;
  }
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_user_update_profile(store *s, arena *a, const store_actor *who, int64_t id,
                                    const char *display_name, const char *bio, user *out) {
  sx x;
  pheme_err e = sx_write(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "UPDATE users SET display_name = coalesce($1, display_name), bio = coalesce($2, bio), "
        "updated_at = $3 WHERE id = $4 RETURNING id",
        dbv_text(display_name), dbv_text(bio), dbv_int(time_now_ms()), dbv_int(id));
  if (!e && r.rows == 0) e = PHEME_DATA_NOT_FOUND;
  if (!e) e = sx_audit(&x, who, "user.update", "user", id, NULL);
  if (!e) e = one_user(&x, by_id, dbv_int(id), out);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_users_list(store *s, arena *a, unsigned roles, const store_page *p, user **out, int *n) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  db_result r;
  e = Q(&x, &r,
        "SELECT " USER_COLS " FROM users u WHERE u.id < $1 AND ($2 = 0 OR (u.roles & $2) <> 0) "
        "ORDER BY u.id DESC LIMIT $3",
        dbv_int(page_before(p)), dbv_int(roles), dbv_int(p->limit));
  sx_end(&x);
  if (e) return e;
  *out = arena_zalloc(a, sizeof **out * (size_t)(r.rows ? r.rows : 1));
  if (!*out) return PHEME_SYS_NOMEM;
  for (int i = 0; i < r.rows; i++) sx_user_read(&r, i, &(*out)[i]);
  *n = r.rows;
  return PHEME_OK;
}

/* A Skill Wallet's skills, badges, guilds and total XP in one statement (a GET of a wallet is two queries:
 * this and the profile). The branches are typed alike for PostgreSQL's UNION; `kind` tells the rows
 * apart. The order and the caps are applied here, not in SQL: an ORDER BY … LIMIT per branch and the
 * merge's ORDER BY made SQLite build five temporary b-trees for a handful of rows, 38 of the 48 µs
 * the statement took (bench/graphql/RESULTS.md, 15:00 UTC). */
static const char wallet_lists[] =
    "SELECT 1 AS kind, k.slug AS t1, k.name AS t2, k.domain AS t3, CAST(NULL AS TEXT) AS t4, "
    "CAST(l.xp AS BIGINT) AS n1, CAST(l.level AS BIGINT) AS n2, CAST(coalesce(l.last_validated, 0) AS BIGINT) AS n3 "
    "FROM skill_levels l JOIN skills k ON k.id = l.skill_id WHERE l.user_id = $1 "
    "UNION ALL SELECT 2, b.slug, b.name, b.rarity, CAST(NULL AS TEXT), CAST(a.id AS BIGINT), "
    "CAST(b.soulbound AS BIGINT), CAST(a.awarded_at AS BIGINT) FROM badge_awards a "
    "JOIN badge_types b ON b.id = a.badge_id WHERE a.user_id = $1 AND a.revoked_at IS NULL "
    "UNION ALL SELECT 3, g.slug, g.name, g.type, m.role, CAST(NULL AS BIGINT), "
    "CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) FROM guild_members m JOIN guilds g ON g.id = m.guild_id "
    "WHERE m.user_id = $1 "
    "UNION ALL SELECT 4, NULL, NULL, NULL, NULL, CAST(x.xp AS BIGINT), NULL, NULL FROM user_xp x "
    "WHERE x.user_id = $1";

/* The most of each list a wallet view holds: skills, badges, guilds. */
static const int wallet_caps[4] = {0, 500, 200, 200};


/* A row of wallet_lists by its sort key: kind, then n1 descending (a skill's XP, a badge award's id:
 * the newest first), then t1 (the slug; guilds, without n1, by slug alone), then its place. */
typedef struct {
  int64_t kind, n1;
  const char *t1;
  int row;
} wallet_key;

static int wallet_key_cmp(const void *pa, const void *pb) {
  const wallet_key *a = pa, *b = pb;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  if (a->n1 != b->n1) return a->n1 > b->n1 ? -1 : 1;
  int c = strcmp(a->t1, b->t1);
  return c ? c : (a->row > b->row) - (a->row < b->row);
}

pheme_err store_wallet_view(store *s, arena *a, const uint8_t address[20], wallet_view *out) {
  sx x;
  pheme_err e = sx_read(s, a, &x);
  if (e) return e;
  memset(out, 0, sizeof *out);
  db_result r;
  e = sx_snapshot(&x);
  if (!e) e = one_user(&x, by_address, dbv_blob(address, 20), &out->profile);
  if (!e) e = Q(&x, &r, wallet_lists, dbv_int(out->profile.id));
  sx_end(&x);
  if (e) return e;
  wallet_key *keys = arena_alloc(a, sizeof *keys * (size_t)(r.rows + 1));
  if (!keys) return PHEME_SYS_NOMEM;
  int counts[4] = {0};
  for (int i = 0; i < r.rows; i++) {
    const char *t1 = db_text(&r, i, 1);
    keys[i] = (wallet_key){db_int(&r, i, 0), db_int(&r, i, 5), t1 ? t1 : "", i};
    if (keys[i].kind >= 1 && keys[i].kind <= 3) counts[keys[i].kind]++;
  }
  qsort(keys, (size_t)r.rows, sizeof *keys, wallet_key_cmp);
  for (int k = 1; k < 4; k++)
    if (counts[k] > wallet_caps[k]) counts[k] = wallet_caps[k];
  out->skills = arena_zalloc(a, sizeof *out->skills * (size_t)(counts[1] + 1));
  out->badges = arena_zalloc(a, sizeof *out->badges * (size_t)(counts[2] + 1));
  out->guilds = arena_zalloc(a, sizeof *out->guilds * (size_t)(counts[3] + 1));
  if (!out->skills || !out->badges || !out->guilds) return PHEME_SYS_NOMEM;
  for (int j = 0; j < r.rows; j++) {
    int i = keys[j].row;
    switch (keys[j].kind) {
      case 1: {
        if (out->nskills == counts[1]) break;
        skill_level *l = &out->skills[out->nskills++];
        l->slug = db_text(&r, i, 1);
        l->name = db_text(&r, i, 2);
        l->domain = db_text(&r, i, 3);
        l->xp = db_int(&r, i, 5);
        l->level = (int)db_int(&r, i, 6);
        l->last_validated = db_int(&r, i, 7);
        break;
      }
      case 2: {
        if (out->nbadges == counts[2]) break;
        badge_award *b = &out->badges[out->nbadges++];
        b->slug = db_text(&r, i, 1);
        b->name = db_text(&r, i, 2);
        b->rarity = db_text(&r, i, 3);
        b->id = db_int(&r, i, 5);
        b->soulbound = (int)db_int(&r, i, 6);
        b->awarded_at = db_int(&r, i, 7);
        break;
      }
      case 4: /* the XP ledger's total (src/game): skill rows also hold parent and domain shares */
        out->xp = db_int(&r, i, 5);
        break;
      case 3: {
        if (out->nguilds == counts[3]) break;
        guild_ref *g = &out->guilds[out->nguilds++];
        g->slug = db_text(&r, i, 1);
        g->name = db_text(&r, i, 2);
        g->type = db_text(&r, i, 3);
        g->role = db_text(&r, i, 4);
        break;
      }
    }
  }
  return PHEME_OK;
}

/* Bulk users for demos and benchmarks: addresses are keccak-free but distinct and reproducible
 * (the id's bytes behind a fixed prefix), so a benchmark can pick them without a lookup. */
pheme_err store_seed_users(store *s, int64_t count, int64_t *first_id) {
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  int64_t now = time_now_ms();
  db_result r;
  e = Q0(&x, &r, "SELECT coalesce(max(id), 0) FROM users");
  int64_t base = e ? 0 : db_int(&r, 0, 0);
  *first_id = base + 1;
  for (int64_t i = 1; !e && i <= count; i++) {
    uint8_t addr[20] = {0xbe, 0x9c, 0x5e, 0xed};
    int64_t n = base + i;
    for (int b = 0; b < 8; b++) addr[19 - b] = (uint8_t)(n >> (8 * b));
    char name[32];
    snprintf(name, sizeof name, "seed-%lld", (long long)n);
    int64_t id;
    e = sx_user_insert(&x, addr, name, now, &id);
    arena_clear(x.a);
  }
  if (!e) e = sx_audit(&x, NULL, "user.seed", "user", base + 1, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}

pheme_err store_seed_skill_level(store *s, const store_actor *who, int64_t user_id, const char *slug,
                                 int64_t xp, int level) {
  if (level < 0 || level > 100 || xp < 0) return PHEME_DATA_INVALID;
  sx x;
  pheme_err e = sx_write(s, NULL, &x);
  if (e) return e;
  db_result r;
  /* the person too: on PostgreSQL skill_levels has no foreign keys (migration 0025) */
  e = Q(&x, &r, "SELECT id FROM skills WHERE slug = $1 AND EXISTS (SELECT 1 FROM users WHERE id = $2)", dbv_text(slug),
        dbv_int(user_id));
  if (!e && r.rows == 0) e = PHEME_DATA_INVALID;
  int64_t skill_id = e ? 0 : db_int(&r, 0, 0), now = time_now_ms();
  if (!e) e = Q(&x, NULL, "DELETE FROM skill_levels WHERE user_id = $1 AND skill_id = $2", dbv_int(user_id),
                dbv_int(skill_id));
  if (!e)
    e = Q(&x, NULL,
          "INSERT INTO skill_levels (user_id, skill_id, xp, level, last_validated) VALUES ($1, $2, $3, $4, $5)",
          dbv_int(user_id), dbv_int(skill_id), dbv_int(xp), dbv_int(level), dbv_int(now));
  if (!e) e = sx_audit(&x, who, "skill_level.seed", "user", user_id, NULL);
  if (!e) e = sx_commit(&x);
  sx_end(&x);
  return e;
}
