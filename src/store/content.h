/* Storage of evidence content records (migration 0012): which files the content backend holds
 * complete, under which CID (binary form, see content/cid.h), their size, media type and uploader.
 * The bytes themselves are never here: src/content/ keeps them in its backend. Conventions as in
 * store.h. */
#ifndef PHEME_STORE_CONTENT_H
#define PHEME_STORE_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_CID_MAX 64

typedef struct {
  int64_t id;
  uint8_t cid[STORE_CID_MAX]; /* binary CID */
  size_t cid_len;
  int64_t size;
  const char *media_type;
  int64_t uploader_id; /* 0 = the system (CLI) or a deleted user */
  int64_t created_at;
} content_record;

/* Records a stored file, idempotently: when the CID is already recorded, its row is kept (first
 * media type and uploader win) and returned with *created = 0; otherwise the new row is written
 * with its audit row (action "content.put") and *created = 1. PHEME_DATA_CONFLICT when the CID is
 * recorded with another size (which only a corrupted store can cause); PHEME_DATA_INVALID for a
 * CID longer than STORE_CID_MAX or a media type the schema refuses. */
pheme_err store_content_put(store *s, arena *a, const store_actor *who, const uint8_t *cid,
                            size_t cid_len, int64_t size, const char *media_type,
                            int64_t uploader_id, content_record *out, int *created)
    PHEME_MUST_CHECK;
/* The record of a CID; PHEME_DATA_NOT_FOUND when it is not stored. */
pheme_err store_content_get(store *s, arena *a, const uint8_t *cid, size_t cid_len,
                            content_record *out) PHEME_MUST_CHECK;
/* Whether a CID is stored (*stored 1 or 0): the check a submission's evidence goes through. */
pheme_err store_content_exists(store *s, const uint8_t *cid, size_t cid_len, int *stored)
    PHEME_MUST_CHECK;

#endif
