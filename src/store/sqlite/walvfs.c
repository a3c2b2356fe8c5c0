/* The WAL-gathering VFS; see walvfs.h. Every method forwards to the default VFS ("the real one");
 * only the WAL file's writes are held back, and only as long as they are contiguous. */
#include "store/sqlite/walvfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

#define GATHER_MAX ((size_t)1 << 20)
/* The unix VFS writes at most 17 bits' worth per call (it masks the length with 0x1ffff, and a
 * remainder of exactly 128 KiB would come back as "disk full"): flush in pieces below that. */
#define WRITE_PIECE ((size_t)124 << 10)

typedef struct pfile pfile;
struct pfile {
  sqlite3_file base;
  sqlite3_file *real;  /* the default VFS's file, allocated right after this struct */
  int is_wal;
  pfile *wal;          /* database file: its connection's WAL file, while open */
  pfile *db;           /* WAL file: its database file */
  /* WAL file: the bytes gathered for [at, at + len) */
  unsigned char *buf;
  size_t len, cap;
  sqlite3_int64 at;
  int flush_next;      /* the next write is a commit frame's page: write it through */
  int error;           /* a flush that no caller could be told of failed (xShmBarrier) */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs wal_vfs;
static uint64_t asked, written; /* atomic */

void walvfs_stats_get(walvfs_stats *out) {
  out->asked = __atomic_load_n(&asked, __ATOMIC_RELAXED);
  out->written = __atomic_load_n(&written, __ATOMIC_RELAXED);
}

/* Writes what was gathered. */
static int flush(pfile *p) {
  if (!p || !p->len) return p && p->error ? p->error : SQLITE_OK;
  int rc = SQLITE_OK;
  for (size_t done = 0; done < p->len && rc == SQLITE_OK;) {
    size_t n = p->len - done < WRITE_PIECE ? p->len - done : WRITE_PIECE;
    rc = p->real->pMethods->xWrite(p->real, p->buf + done, (int)n, p->at + (sqlite3_int64)done);
    __atomic_add_fetch(&written, 1, __ATOMIC_RELAXED);
    done += n;
  }
  p->len = 0;
  return rc;
}

/* ---------- io methods: every one flushes the WAL first, then forwards ---------- */

#define REAL(f) (((pfile *)(f))->real)
#define FLUSHED(f)                          \
  do {                                      \
    int rc_ = flush((pfile *)(f));          \
    if (rc_ != SQLITE_OK) return rc_;       \
  } while (0)

static int p_close(sqlite3_file *f) {
  pfile *p = (pfile *)f;
  int rc = p->is_wal ? flush(p) : SQLITE_OK;
  if (p->is_wal && p->db) p->db->wal = NULL;
  if (!p->is_wal && p->wal) p->wal->db = NULL;
  free(p->buf);
  p->buf = NULL;
  int rc2 = p->real->pMethods->xClose(p->real);
  return rc != SQLITE_OK ? rc : rc2;
}

static int p_read(sqlite3_file *f, void *out, int n, sqlite3_int64 off) {
  FLUSHED(f);
  return REAL(f)->pMethods->xRead(REAL(f), out, n, off);
}

static int p_write(sqlite3_file *f, const void *data, int n, sqlite3_int64 off) {
  pfile *p = (pfile *)f;
  if (!p->is_wal) return p->real->pMethods->xWrite(p->real, data, n, off);
  __atomic_add_fetch(&asked, 1, __ATOMIC_RELAXED);
  if (p->error) return p->error;
  /* not contiguous, or too much: write what is held first */
  if (p->len && (off != p->at + (sqlite3_int64)p->len || p->len + (size_t)n > GATHER_MAX)) FLUSHED(f);
  if ((size_t)n > WRITE_PIECE) return p->real->pMethods->xWrite(p->real, data, n, off);
  if (p->len + (size_t)n > p->cap) {
    size_t cap = p->cap ? p->cap : 65536;
    while (cap < p->len + (size_t)n) cap *= 2;
    unsigned char *b = realloc(p->buf, cap);
    if (!b) {
      FLUSHED(f);
      return p->real->pMethods->xWrite(p->real, data, n, off);
    }
    p->buf = b;
    p->cap = cap;
  }
  if (!p->len) p->at = off;
  memcpy(p->buf + p->len, data, (size_t)n);
  p->len += (size_t)n;
  if (p->flush_next) {
    /* the commit frame's page: the transaction is whole, write it now and report how it went */
    p->flush_next = 0;
    return flush(p);
  }
  /* A frame header (24 bytes; the WAL header is 32, pages are larger): its second big-endian
   * word is the database size after the commit, nonzero only in a transaction's last frame. */
  if (n == 24 && off >= 32) {
    const unsigned char *h = data;
    p->flush_next = (h[4] | h[5] | h[6] | h[7]) != 0;
  }
  return SQLITE_OK;
}

static int p_truncate(sqlite3_file *f, sqlite3_int64 size) {
  FLUSHED(f);
  return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int p_sync(sqlite3_file *f, int flags) {
  FLUSHED(f);
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int p_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  FLUSHED(f);
  return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int p_lock(sqlite3_file *f, int level) {
  FLUSHED(f);
  return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int p_unlock(sqlite3_file *f, int level) {
  FLUSHED(f);
  return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int p_check_reserved(sqlite3_file *f, int *out) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int p_file_control(sqlite3_file *f, int op, void *arg) {
  FLUSHED(f);
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int p_sector_size(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }

static int p_device(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }

/* The shared-memory methods belong to the database file; new frames become visible to readers
 * through them, so the connection's WAL is flushed first. */
static int p_shm_map(sqlite3_file *f, int pg, int size, int extend, void volatile **pp) {
  FLUSHED(((pfile *)f)->wal);
  return REAL(f)->pMethods->xShmMap(REAL(f), pg, size, extend, pp);
}

static int p_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
  FLUSHED(((pfile *)f)->wal);
  return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void p_shm_barrier(sqlite3_file *f) {
  pfile *w = ((pfile *)f)->wal;
  /* Normally empty here (a commit flushes with its last page). A failure cannot be returned from
   * a barrier: it sticks, and the WAL's next use reports it. */
  if (w && w->len) {
    int rc = flush(w);
    if (rc != SQLITE_OK) w->error = rc;
  }
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int p_shm_unmap(sqlite3_file *f, int del) {
  FLUSHED(((pfile *)f)->wal);
  return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int p_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp) {
  FLUSHED(f);
  return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int p_unfetch(sqlite3_file *f, sqlite3_int64 off, void *ptr) {
  return REAL(f)->pMethods->xUnfetch(REAL(f), off, ptr);
}

/* The methods of files whose real methods are of version 3 (the unix VFS); an older real file
 * keeps its own version, so SQLite never calls a method the real file lacks. */
static const sqlite3_io_methods methods_v3 = {
    3, p_close, p_read, p_write, p_truncate, p_sync, p_file_size, p_lock, p_unlock, p_check_reserved,
    p_file_control, p_sector_size, p_device, p_shm_map, p_shm_lock, p_shm_barrier, p_shm_unmap,
    p_fetch, p_unfetch};
static const sqlite3_io_methods methods_v2 = {
    2, p_close, p_read, p_write, p_truncate, p_sync, p_file_size, p_lock, p_unlock, p_check_reserved,
    p_file_control, p_sector_size, p_device, p_shm_map, p_shm_lock, p_shm_barrier, p_shm_unmap,
    NULL, NULL};
static const sqlite3_io_methods methods_v1 = {
    1, p_close, p_read, p_write, p_truncate, p_sync, p_file_size, p_lock, p_unlock, p_check_reserved,
    p_file_control, p_sector_size, p_device, NULL, NULL, NULL, NULL, NULL, NULL};

/* ---------- the VFS: xOpen wraps, the rest forward to the real VFS ---------- */

static int v_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out_flags) {
  (void)v;
  pfile *p = (pfile *)f;
  memset(p, 0, sizeof *p);
  p->real = (sqlite3_file *)(p + 1);
  int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
  if (rc != SQLITE_OK || !p->real->pMethods) {
    p->base.pMethods = NULL; /* SQLite does not close a file that did not open */
    return rc;
  }
  int version = p->real->pMethods->iVersion;
  p->base.pMethods = version >= 3 ? &methods_v3 : version == 2 ? &methods_v2 : &methods_v1;
  if ((flags & SQLITE_OPEN_WAL) && name) {
    sqlite3_file *db = sqlite3_database_file_object(name);
    if (db && db->pMethods && db->pMethods->xClose == p_close) {
      p->is_wal = 1;
      p->db = (pfile *)db;
      p->db->wal = p;
    }
  }
  return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *v, const char *name, int sync) {
  (void)v;
  return real_vfs->xDelete(real_vfs, name, sync);
}
static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  (void)v;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int v_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out) {
  (void)v;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static void *v_dlopen(sqlite3_vfs *v, const char *name) {
  (void)v;
  return real_vfs->xDlOpen(real_vfs, name);
}
static void v_dlerror(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  real_vfs->xDlError(real_vfs, n, out);
}
static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) {
  (void)v;
  return real_vfs->xDlSym(real_vfs, h, sym);
}
static void v_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  real_vfs->xDlClose(real_vfs, h);
}
static int v_randomness(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xRandomness(real_vfs, n, out);
}
static int v_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return real_vfs->xSleep(real_vfs, us);
}
static int v_current_time(sqlite3_vfs *v, double *out) {
  (void)v;
  return real_vfs->xCurrentTime(real_vfs, out);
}
static int v_last_error(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}
static int v_current_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static int registered_rc = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void register_once(void) {
  real_vfs = sqlite3_vfs_find(NULL);
  if (!real_vfs || real_vfs->iVersion < 2) {
    registered_rc = SQLITE_ERROR;
    return;
  }
  wal_vfs = (sqlite3_vfs){
      .iVersion = 2,
      .szOsFile = (int)sizeof(pfile) + real_vfs->szOsFile,
      .mxPathname = real_vfs->mxPathname,
      .zName = WALVFS_NAME,
      .xOpen = v_open,
      .xDelete = v_delete,
      .xAccess = v_access,
      .xFullPathname = v_full_pathname,
      .xDlOpen = v_dlopen,
      .xDlError = v_dlerror,
      .xDlSym = v_dlsym,
      .xDlClose = v_dlclose,
      .xRandomness = v_randomness,
      .xSleep = v_sleep,
      .xCurrentTime = v_current_time,
      .xGetLastError = v_last_error,
      .xCurrentTimeInt64 = v_current_time64,
  };
  registered_rc = sqlite3_vfs_register(&wal_vfs, 0);
}

int walvfs_register(void) {
  pthread_once(&once, register_once);
  return registered_rc;
}
