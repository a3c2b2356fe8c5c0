/* src/content/content.c and src/store/content.c: the local folder backend (atomic commits, aborts
 * that leave nothing, idempotent commits), the streaming upload and its limit, the content records
 * on SQLite and PostgreSQL, and the "is this CID stored?" check the work engine uses. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "content/content.h"
#include "core/util.h"
#include "test.h"
#include "backends.h"

static char dir[64];

/* Files under path, recursively (folders not counted). */
static int count_files(const char *path) {
  DIR *d = opendir(path);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[512];
    snprintf(p, sizeof p, "%s/%s", path, e->d_name);
    struct stat st;
    if (stat(p, &st)) continue;
    n += S_ISDIR(st.st_mode) ? count_files(p) : 1;
  }
  closedir(d);
  return n;
}

static void fresh_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/pheme-content-XXXXXX");
  if (!mkdtemp(dir)) dir[0] = 0;
}

static void remove_dir(void) {
  char rm[128];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm)) fprintf(stderr, "could not remove %s\n", dir);
}

static void fill(uint8_t *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)((i * 131 + seed * 17) ^ (i >> 9));
}

TEST(an_aborted_put_leaves_nothing) {
  fresh_dir();
  char err[256];
  content_backend *b = content_local_open(dir, err, sizeof err);
  REQUIRE(b);
  content_put *p;
  REQUIRE(b->ops->put_begin(b, &p, err, sizeof err) == PHEME_OK);
  uint8_t data[5000];
  fill(data, sizeof data, 1);
  CHECK_INT(b->ops->put_write(p, data, sizeof data, err, sizeof err), PHEME_OK);
  /* while it is written, the file exists only under tmp/, never under a CID */
  char tmp[128];
  snprintf(tmp, sizeof tmp, "%s/tmp", dir);
  CHECK_INT(count_files(tmp), 1);
  CHECK_INT(count_files(dir), 1);
  b->ops->put_abort(p);
  CHECK_INT(count_files(dir), 0);
  /* so does an upload refused for its size */
  content_upload *u;
  REQUIRE(content_upload_begin(b, 100, &u, err, sizeof err) == PHEME_OK);
  CHECK_INT(content_upload_write(u, data, 100, err, sizeof err), PHEME_OK);
  CHECK_INT(content_upload_write(u, data, 1, err, sizeof err), PHEME_API_TOO_LARGE);
  CHECK(strstr(err, "100 bytes") != NULL);
  content_upload_abort(u);
  CHECK_INT(count_files(dir), 0);
  content_backend_free(b);
  remove_dir();
}

TEST(a_committed_put_is_whole_under_its_cid) {
  fresh_dir();
  char err[256];
  content_backend *b = content_local_open(dir, err, sizeof err);
  REQUIRE(b);
  size_t n = CID_CHUNK_SIZE * 2 + 3;
  uint8_t *data = malloc(n);
  fill(data, n, 2);
  cid c;
  REQUIRE(cid_of_bytes(&c, data, n) == 0);
  for (int round = 0; round < 2; round++) {
    content_put *p;
    REQUIRE(b->ops->put_begin(b, &p, err, sizeof err) == PHEME_OK);
    CHECK_INT(b->ops->put_write(p, data, n / 2, err, sizeof err), PHEME_OK);
    CHECK_INT(b->ops->put_write(p, data + n / 2, n - n / 2, err, sizeof err), PHEME_OK);
    CHECK_INT(b->ops->put_commit(p, &c, err, sizeof err), PHEME_OK);
    /* the second commit of the same bytes keeps the one file */
    CHECK_INT(count_files(dir), 1);
  }
  char text[CID_TEXT_SIZE], path[256];
  cid_format(&c, text);
  snprintf(path, sizeof path, "%s/%.2s/%s", dir, text + CID_TEXT_LEN - 3, text);
  CHECK(access(path, R_OK) == 0);
  uint64_t size = 0;
  CHECK_INT(b->ops->stat(b, &c, &size, err, sizeof err), PHEME_OK);
  CHECK_INT(size, n);
  content_reader r;
  REQUIRE(b->ops->open(b, &c, &r, err, sizeof err) == PHEME_OK);
  CHECK_INT(r.size, n);
  uint8_t *back = malloc(n);
  CHECK_INT(r.read_at(&r, back, n, 0), n);
  CHECK_MEM(back, n, data, n);
  CHECK_INT(r.read_at(&r, back, 10, n - 4), 4);
  CHECK_MEM(back, 4, data + n - 4, 4);
  content_reader_close(&r);
  CHECK_INT(b->ops->remove(b, &c, err, sizeof err), PHEME_OK);
  CHECK_INT(b->ops->open(b, &c, &r, err, sizeof err), PHEME_DATA_NOT_FOUND);
  CHECK(strstr(err, text) != NULL);
  CHECK_INT(b->ops->stat(b, &c, &size, err, sizeof err), PHEME_DATA_NOT_FOUND);
  CHECK_INT(b->ops->remove(b, &c, err, sizeof err), PHEME_DATA_NOT_FOUND);
  CHECK_INT(count_files(dir), 0);
  free(back);
  free(data);
  content_backend_free(b);
  remove_dir();
  /* a folder that cannot be made is refused with its name */
  CHECK(content_local_open("/proc/pheme-no/content", err, sizeof err) == NULL);
  CHECK(strstr(err, "/proc/pheme-no/content") != NULL);
}

TEST(uploads_are_recorded_once_and_found_by_cid) {
  fresh_dir();
  char err[256];
  content_backend *b = content_local_open(dir, err, sizeof err);
  REQUIRE(b);
  arena a;
  arena_init(&a, 0);
  store_actor sys = {0, "test"};
  user u;
  int made;
  uint8_t addr[20];
  memset(addr, 0xc7, sizeof addr);
  REQUIRE(store_user_ensure(S, &a, &sys, addr, &u, &made) == PHEME_OK);
  size_t n = 300000;
  uint8_t *data = malloc(n);
  fill(data, n, 3);
  cid want;
  REQUIRE(cid_of_bytes(&want, data, n) == 0);
  int stored = -1;
  CHECK_INT(content_is_stored(S, &want, &stored), PHEME_OK);
  CHECK_INT(stored, 0);
  int64_t first_id = 0;
  for (int round = 0; round < 2; round++) {
    content_upload *up;
    REQUIRE(content_upload_begin(b, n, &up, err, sizeof err) == PHEME_OK);
    for (size_t o = 0; o < n; o += 7777)
      CHECK_INT(content_upload_write(up, data + o, n - o < 7777 ? n - o : 7777, err, sizeof err), PHEME_OK);
    CHECK_INT(content_upload_size(up), n);
    cid got;
    content_record rec;
    int created = -1;
    CHECK_INT(content_upload_commit(up, S, &a, &sys, round ? "text/plain" : "image/png", u.id, &got, &rec,
                                    &created, err, sizeof err),
              PHEME_OK);
    CHECK(cid_equal(&got, &want));
    CHECK_INT(created, round == 0);
    CHECK_INT(rec.size, n);
    /* the first upload's type and uploader stay */
    CHECK_STR(rec.media_type, "image/png");
    CHECK_INT(rec.uploader_id, u.id);
    if (round == 0) first_id = rec.id;
    CHECK_INT(rec.id, first_id);
  }
  CHECK_INT(content_is_stored(S, &want, &stored), PHEME_OK);
  CHECK_INT(stored, 1);
  sx x;
  db_result res;
  REQUIRE(sx_read(S, &a, &x) == PHEME_OK);
  CHECK_INT(Q0(&x, &res, "SELECT count(*) FROM content"), PHEME_OK);
  sx_end(&x);
  CHECK_INT(db_int(&res, 0, 0), 1);
  uint8_t bin[CID_BIN_LEN];
  cid_to_bytes(&want, bin);
  content_record rec;
  CHECK_INT(store_content_get(S, &a, bin, sizeof bin, &rec), PHEME_OK);
  CHECK_MEM(rec.cid, rec.cid_len, bin, sizeof bin);
  CHECK(rec.created_at > 0);
  /* another size under the same CID can only be corruption: refused */
  int created;
  CHECK_INT(store_content_put(S, &a, &sys, bin, sizeof bin, 5, "image/png", 0, &rec, &created),
            PHEME_DATA_CONFLICT);
  /* an unknown CID */
  bin[10] ^= 1;
  CHECK_INT(store_content_get(S, &a, bin, sizeof bin, &rec), PHEME_DATA_NOT_FOUND);
  CHECK_INT(store_content_exists(S, bin, sizeof bin, &stored), PHEME_OK);
  CHECK_INT(stored, 0);
  /* a system upload (no uploader) and a media type the schema refuses */
  CHECK_INT(store_content_put(S, &a, &sys, bin, sizeof bin, 5, "text/plain", 0, &rec, &created), PHEME_OK);
  CHECK_INT(created, 1);
  CHECK_INT(rec.uploader_id, 0);
  bin[11] ^= 1;
  CHECK_INT(store_content_put(S, &a, &sys, bin, sizeof bin, 5, "", 0, &rec, &created), PHEME_DATA_INVALID);
  free(data);
  arena_release(&a);
  content_backend_free(b);
  remove_dir();
}

TEST(parts_a_crash_left_are_removed_a_day_later) {
  fresh_dir();
  char err[256], old[128], young[128], other[128];
  content_backend *b = content_local_open(dir, err, sizeof err);
  REQUIRE(b);
  content_backend_free(b);
  snprintf(old, sizeof old, "%s/tmp/dead.part", dir);
  snprintf(young, sizeof young, "%s/tmp/alive.part", dir);
  snprintf(other, sizeof other, "%s/tmp/notes.txt", dir);
  const char *names[] = {old, young, other};
  for (int i = 0; i < 3; i++) {
    FILE *f = fopen(names[i], "w");
    REQUIRE(f);
    fputs("partial", f);
    fclose(f);
  }
  struct utimbuf two_days_ago = {time(NULL) - 2 * 86400, time(NULL) - 2 * 86400};
  REQUIRE(utime(old, &two_days_ago) == 0);
  REQUIRE(utime(other, &two_days_ago) == 0);
  b = content_local_open(dir, err, sizeof err);
  REQUIRE(b);
  CHECK(access(old, F_OK) != 0);
  CHECK(access(young, F_OK) == 0);
  CHECK(access(other, F_OK) == 0); /* only .part files are PHEME's */
  content_backend_free(b);
  remove_dir();
}

static void all_tests(void) {
  RUN(parts_a_crash_left_are_removed_a_day_later);
  RUN(an_aborted_put_leaves_nothing);
  RUN(a_committed_put_is_whole_under_its_cid);
  RUN(uploads_are_recorded_once_and_found_by_cid);
}

int main(void) { return backends_main("test_content", all_tests); }
