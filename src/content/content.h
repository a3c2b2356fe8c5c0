/* Evidence content: files stored under their IPFS CID (content/cid.h), in a backend behind a const
 * vtable (SQLite VFS, curl vtls). The local folder backend is built in; S3 and an IPFS node are
 * further tables of the same shape (docs/internals/content.md says what each would do).
 *
 * An upload streams: content_upload_begin, content_upload_write as bytes arrive (each piece goes
 * to the CID computation and to the backend; nothing holds the whole file), then
 * content_upload_commit, which names the file by its CID in the backend and records it in storage
 * (store/content.h), or content_upload_abort. A backend never shows a half-written file under a
 * CID: the local one writes a temporary file, fsyncs it and renames it into place. */
#ifndef PHEME_CONTENT_CONTENT_H
#define PHEME_CONTENT_CONTENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "content/cid.h"
#include "core/err.h"
#include "store/content.h"
#include "store/store.h"

typedef struct content_backend content_backend;
/* One file being written to a backend. */
typedef struct content_put content_put;

/* An open stored file. A backend that keeps files on a local file system gives its descriptor
 * (fd >= 0; whoever takes it may set fd = -1 and close it themselves); every backend gives
 * read_at. Close with content_reader_close. */
typedef struct content_reader {
  int fd;
  uint64_t size;
  /* Reads up to n bytes at offset; returns the count (0 at the end) or -1. */
  ssize_t (*read_at)(struct content_reader *r, void *p, size_t n, uint64_t offset);
  void (*close)(struct content_reader *r);
  void *impl;
} content_reader;

/* A backend's operations. Each returns 0, or an error with err set (a lower-case message quoting
 * the file or the CID): PHEME_DATA_NOT_FOUND for a CID the backend does not hold, PHEME_SYS_IO
 * for a failed read or write, PHEME_SYS_NOMEM. */
typedef struct content_backend_ops {
  const char *name; /* "local", later "s3", "ipfs" */
  /* Starts a new file. */
  pheme_err (*put_begin)(content_backend *b, content_put **out, char *err, size_t errlen);
  pheme_err (*put_write)(content_put *p, const void *data, size_t n, char *err, size_t errlen);
  /* Makes the file whole under c (durably, atomically) and frees p, whatever the result. A CID
   * already held is kept as it is (the same bytes). */
  pheme_err (*put_commit)(content_put *p, const cid *c, char *err, size_t errlen);
  /* Forgets the file (nothing of it stays) and frees p. */
  void (*put_abort)(content_put *p);
  pheme_err (*open)(content_backend *b, const cid *c, content_reader *out, char *err, size_t errlen);
  pheme_err (*stat)(content_backend *b, const cid *c, uint64_t *size, char *err, size_t errlen);
  pheme_err (*remove)(content_backend *b, const cid *c, char *err, size_t errlen);
  void (*free)(content_backend *b);
} content_backend_ops;

struct content_backend {
  const content_backend_ops *ops;
};

/* The local folder backend: files at DIR/<two characters>/<CID> (the two before the CID's last,
 * as IPFS's flatfs shards), uploads in progress under DIR/tmp (those left by a crash, a day old,
 * are removed here). Creates the folders when missing.
 * Returns NULL with err set when DIR cannot be made or written. */
content_backend *content_local_open(const char *dir, char *err, size_t errlen);

/* Frees a backend (of any kind). NULL is fine. */
void content_backend_free(content_backend *b);
void content_reader_close(content_reader *r);

/* ---- the upload, over any backend ---- */
typedef struct content_upload content_upload;

/* Starts an upload of at most max_size bytes. Returns 0 with *out set, or an error (err set). */
pheme_err content_upload_begin(content_backend *b, uint64_t max_size, content_upload **out,
                               char *err, size_t errlen) PHEME_MUST_CHECK;
/* The next piece of the file. PHEME_API_TOO_LARGE once the file passes max_size (the upload must
 * then be aborted), or the backend's error. */
pheme_err content_upload_write(content_upload *u, const void *p, size_t n, char *err,
                               size_t errlen) PHEME_MUST_CHECK;
/* Bytes received so far. */
uint64_t content_upload_size(const content_upload *u);
/* Finishes: computes the CID, makes the file whole in the backend, records it in storage with
 * media_type and uploader (0 = system), fills rec (in a) and frees u whatever the result.
 * *created is 0 when the same bytes were stored before (their first record is returned). */
pheme_err content_upload_commit(content_upload *u, store *s, arena *a, const store_actor *who,
                                const char *media_type, int64_t uploader_id, cid *out,
                                content_record *rec, int *created, char *err, size_t errlen)
    PHEME_MUST_CHECK;
/* Abandons the upload: nothing of it stays in the backend. Frees u. NULL is fine. */
void content_upload_abort(content_upload *u);

/* ---- media types (media.c) ---- */
#define CONTENT_MEDIA_TYPE_MAX 128
/* The media type of a Content-Type header value: type/subtype lower-cased, parameters dropped
 * ("image/png" for "Image/PNG; q=1"). Returns 0, or -1 when it is not two RFC 9110 tokens around
 * a '/', or is longer than CONTENT_MEDIA_TYPE_MAX - 1 (out is then ""). */
int content_media_type_parse(const char *header, char out[CONTENT_MEDIA_TYPE_MAX]) PHEME_MUST_CHECK;
/* 1 when type (as content_media_type_parse gives it) is in the comma-separated allowed list,
 * whose entries are "type/subtype" or "type/" followed by "*" (case and spaces ignored), else 0. */
int content_media_type_allowed(const char *allowed, const char *type);

/* Whether a CID is recorded as stored (for the work engine: a submission's evidence must be).
 * Returns 0 with *stored set, or a storage error. */
pheme_err content_is_stored(store *s, const cid *c, int *stored) PHEME_MUST_CHECK;

#endif
