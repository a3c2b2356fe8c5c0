/* The content store: the streaming upload over any backend, and the local folder backend; see
 * content.h and docs/internals/content.md. */
#include "content/content.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "core/banned.h"

/* ---------- the local folder backend ---------- */

#define LOCAL_PATH_MAX 4096

typedef struct {
  content_backend base;
  char dir[LOCAL_PATH_MAX - 128];
} local_backend;

struct content_put {
  local_backend *b;
  int fd;
  char tmp[LOCAL_PATH_MAX];
};

static void local_path(const local_backend *b, const cid *c, char out[LOCAL_PATH_MAX], char shard[LOCAL_PATH_MAX]) {
  char text[CID_TEXT_SIZE];
  cid_format(c, text);
  /* the two characters before the last: the last one holds only 4 bits of the digest */
  snprintf(shard, LOCAL_PATH_MAX, "%s/%.2s", b->dir, text + CID_TEXT_LEN - 3);
  snprintf(out, LOCAL_PATH_MAX, "%s/%.2s/%s", b->dir, text + CID_TEXT_LEN - 3, text);
}

static int mkdir_p(const char *path) {
  char p[LOCAL_PATH_MAX];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof p) return -1;
  memcpy(p, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != 0) continue;
    char was = p[i];
    p[i] = 0;
    if (mkdir(p, 0755) && errno != EEXIST) return -1;
    p[i] = was;
  }
  return 0;
}

/* Makes a rename or a new entry in dir durable. */
static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

static pheme_err local_put_begin(content_backend *base, content_put **out, char *err, size_t errlen) {
  local_backend *b = (local_backend *)base;
  content_put *p = malloc(sizeof *p);
  if (!p) return PHEME_SYS_NOMEM;
  p->b = b;
  uint8_t rnd[12];
  char hex[25];
  if (random_bytes(rnd, sizeof rnd)) {
    free(p);
    return pheme_fail(PHEME_SYS_IO, err, errlen, "no random bytes for a temporary file name");
  }
  bytes_to_hex(hex, rnd, sizeof rnd);
  snprintf(p->tmp, sizeof p->tmp, "%s/tmp/%s.part", b->dir, hex);
  p->fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (p->fd < 0) {
    pheme_err e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot create '%s': %s", p->tmp, strerror(errno));
    free(p);
    return e;
  }
  *out = p;
  return PHEME_OK;
}

static pheme_err local_put_write(content_put *p, const void *data, size_t n, char *err, size_t errlen) {
  const char *q = data;
  while (n > 0) {
    ssize_t w = write(p->fd, q, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      return pheme_fail(PHEME_SYS_IO, err, errlen, "cannot write '%s': %s", p->tmp, w < 0 ? strerror(errno) : "no progress");
    }
    q += w;
    n -= (size_t)w;
  }
  return PHEME_OK;
}

static void local_put_abort(content_put *p) {
  if (!p) return;
  if (p->fd >= 0) close(p->fd);
  unlink(p->tmp);
  free(p);
}

static pheme_err local_put_commit(content_put *p, const cid *c, char *err, size_t errlen) {
  char path[LOCAL_PATH_MAX], shard[LOCAL_PATH_MAX];
  local_path(p->b, c, path, shard);
  struct stat st;
  pheme_err e = PHEME_OK;
  if (stat(path, &st) == 0) {
    /* the same bytes are there already, whole (they only ever arrive by rename) */
    local_put_abort(p);
    return PHEME_OK;
  }
  if (fsync(p->fd)) {
    e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot sync '%s': %s", p->tmp, strerror(errno));
  } else if (close(p->fd)) {
    p->fd = -1;
    e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot close '%s': %s", p->tmp, strerror(errno));
  } else {
    p->fd = -1;
    if (mkdir(shard, 0755) && errno != EEXIST) {
      e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot create '%s': %s", shard, strerror(errno));
    } else if (rename(p->tmp, path)) {
      e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot rename '%s' to '%s': %s", p->tmp, path, strerror(errno));
    } else if (fsync_dir(shard)) {
      e = pheme_fail(PHEME_SYS_IO, err, errlen, "cannot sync '%s': %s", shard, strerror(errno));
    }
  }
  if (e) {
    local_put_abort(p);
    return e;
  }
  free(p);
  return PHEME_OK;
}

static ssize_t local_read_at(content_reader *r, void *p, size_t n, uint64_t offset) {
  for (;;) {
    ssize_t got = pread(r->fd, p, n, (off_t)offset);
    if (got < 0 && errno == EINTR) continue;
    return got;
  }
}

static void local_reader_close(content_reader *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
}

static pheme_err local_open(content_backend *base, const cid *c, content_reader *out, char *err, size_t errlen) {
  local_backend *b = (local_backend *)base;
  char path[LOCAL_PATH_MAX], shard[LOCAL_PATH_MAX];
  local_path(b, c, path, shard);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return pheme_fail(errno == ENOENT ? PHEME_DATA_NOT_FOUND : PHEME_SYS_IO, err, errlen, "cannot open '%s': %s", path, strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st)) {
    pheme_fail(PHEME_SYS_IO, err, errlen, "cannot stat '%s': %s", path, strerror(errno));
    close(fd);
    return PHEME_SYS_IO;
  }
  memset(out, 0, sizeof *out);
  out->fd = fd;
  out->size = (uint64_t)st.st_size;
  out->read_at = local_read_at;
  out->close = local_reader_close;
  return PHEME_OK;
}

static pheme_err local_stat(content_backend *base, const cid *c, uint64_t *size, char *err, size_t errlen) {
  char path[LOCAL_PATH_MAX], shard[LOCAL_PATH_MAX];
  local_path((local_backend *)base, c, path, shard);
  struct stat st;
  if (stat(path, &st)) {
    return pheme_fail(errno == ENOENT ? PHEME_DATA_NOT_FOUND : PHEME_SYS_IO, err, errlen, "cannot stat '%s': %s", path, strerror(errno));
  }
  *size = (uint64_t)st.st_size;
  return PHEME_OK;
}

static pheme_err local_remove(content_backend *base, const cid *c, char *err, size_t errlen) {
  char path[LOCAL_PATH_MAX], shard[LOCAL_PATH_MAX];
  local_path((local_backend *)base, c, path, shard);
  if (unlink(path)) {
    return pheme_fail(errno == ENOENT ? PHEME_DATA_NOT_FOUND : PHEME_SYS_IO, err, errlen, "cannot remove '%s': %s", path, strerror(errno));
  }
  return fsync_dir(shard) ? PHEME_SYS_IO : PHEME_OK;
}

static void local_free(content_backend *b) { free(b); }

/* Uploads that a crash cut short leave DIR/tmp/<random>.part; those a day old are surely dead
 * (an upload in progress writes to its file all the time), so they are removed at start. */
#define STALE_PART_SECONDS (24 * 3600)

static void remove_stale_parts(const char *tmp) {
  DIR *d = opendir(tmp);
  if (!d) return;
  time_t now = time(NULL);
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".part") != 0) continue;
    char p[LOCAL_PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > STALE_PART_SECONDS) unlink(p);
  }
  closedir(d);
}

static const content_backend_ops local_ops = {
    "local",    local_put_begin, local_put_write, local_put_commit, local_put_abort,
    local_open, local_stat,      local_remove,    local_free,
};

content_backend *content_local_open(const char *dir, char *err, size_t errlen) {
  local_backend *b = calloc(1, sizeof *b);
  if (!b) {
    pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory");
    return NULL;
  }
  b->base.ops = &local_ops;
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  if (n == 0 || n >= sizeof b->dir) {
    pheme_fail(PHEME_SYS_CONFIG, err, errlen, "invalid content folder '%.200s'", dir);
    free(b);
    return NULL;
  }
  memcpy(b->dir, dir, n);
  b->dir[n] = 0;
  char tmp[LOCAL_PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/tmp", b->dir);
  if (mkdir_p(tmp) || access(tmp, W_OK)) {
    pheme_fail(PHEME_SYS_IO, err, errlen, "cannot create or write the content folder '%s': %s", tmp, strerror(errno));
    free(b);
    return NULL;
  }
  remove_stale_parts(tmp);
  return &b->base;
}

void content_backend_free(content_backend *b) {
  if (b) b->ops->free(b);
}

void content_reader_close(content_reader *r) {
  if (r && r->close) r->close(r);
}

/* ---------- the upload ---------- */

struct content_upload {
  content_backend *b;
  content_put *put;
  cid_builder *cid;
  uint64_t max, size;
};

pheme_err content_upload_begin(content_backend *b, uint64_t max_size, content_upload **out,
                               char *err, size_t errlen) {
  content_upload *u = calloc(1, sizeof *u);
  if (!u || !(u->cid = cid_builder_new())) {
    free(u);
    return pheme_fail(PHEME_SYS_NOMEM, err, errlen, "out of memory");
  }
  u->b = b;
  u->max = max_size;
  pheme_err e = b->ops->put_begin(b, &u->put, err, errlen);
  if (e) {
    cid_builder_free(u->cid);
    free(u);
    return e;
  }
  *out = u;
  return PHEME_OK;
}

pheme_err content_upload_write(content_upload *u, const void *p, size_t n, char *err, size_t errlen) {
  if (n > u->max - u->size) {
    return pheme_fail(PHEME_API_TOO_LARGE, err, errlen, "the file is over the limit of %llu bytes", (unsigned long long)u->max);
  }
  u->size += n;
  cid_builder_add(u->cid, p, n);
  return u->b->ops->put_write(u->put, p, n, err, errlen);
}

uint64_t content_upload_size(const content_upload *u) { return u->size; }

void content_upload_abort(content_upload *u) {
  if (!u) return;
  if (u->put) u->b->ops->put_abort(u->put);
  cid_builder_free(u->cid);
  free(u);
}

pheme_err content_upload_commit(content_upload *u, store *s, arena *a, const store_actor *who,
                                const char *media_type, int64_t uploader_id, cid *out,
                                content_record *rec, int *created, char *err, size_t errlen) {
  uint64_t size;
  cid_builder_finish(u->cid, out, &size);
  content_put *put = u->put;
  u->put = NULL;
  pheme_err e = u->b->ops->put_commit(put, out, err, errlen);
  content_upload_abort(u);
  if (e) return e;
  /* The file is whole under its CID before the row says so: a crash in between leaves a file no
   * row names, which the next upload of the same bytes adopts. */
  uint8_t bin[CID_BIN_LEN];
  cid_to_bytes(out, bin);
  e = store_content_put(s, a, who, bin, sizeof bin, (int64_t)size, media_type, uploader_id, rec, created);
  if (e) {
    char text[CID_TEXT_SIZE];
    cid_format(out, text);
    pheme_fail(e, err, errlen, "cannot record content %s: %s", text, pheme_err_message(e));
  }
  return e;
}

pheme_err content_is_stored(store *s, const cid *c, int *stored) {
  uint8_t bin[CID_BIN_LEN];
  cid_to_bytes(c, bin);
  return store_content_exists(s, bin, sizeof bin, stored);
}
