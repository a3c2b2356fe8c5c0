-- Evidence content (docs/internals/content.md): one row per stored file, keyed by its CID in
-- binary form (CIDv1: version, codec, multihash). The bytes live in the content backend (a local
-- folder by default); this row says the file is complete there, its size, the media type it was
-- uploaded with and by whom. A file uploaded again keeps its first row.
CREATE TABLE content (
  id ${id},
  cid ${bytes} NOT NULL UNIQUE CHECK (length(cid) BETWEEN 4 AND 64),
  size ${int} NOT NULL CHECK (size >= 0),
  media_type TEXT NOT NULL CHECK (length(media_type) BETWEEN 3 AND 127),
  uploader_id ${int} REFERENCES users(id) ON DELETE SET NULL,
  created_at ${int} NOT NULL
);
CREATE INDEX content_uploader ON content(uploader_id);
