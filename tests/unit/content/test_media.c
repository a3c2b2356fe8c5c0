/* src/content/media.c: the media type of a Content-Type, and the allowed list. */
#include "content/content.h"
#include "test.h"

static void parses(const char *header, const char *want) {
  char out[CONTENT_MEDIA_TYPE_MAX];
  CHECK_INT(content_media_type_parse(header, out), 0);
  CHECK_STR(out, want);
}

static void refused(const char *header) {
  char out[CONTENT_MEDIA_TYPE_MAX];
  int rc = content_media_type_parse(header, out);
  if (rc == 0) fprintf(stderr, "'%s' parsed as '%s'\n", header, out);
  CHECK_INT(rc, -1);
  CHECK_STR(out, "");
}

TEST(media_types_parse_to_lower_case_type_and_subtype) {
  parses("image/png", "image/png");
  parses("Image/PNG", "image/png");
  parses("text/plain; charset=utf-8", "text/plain");
  parses("  text/plain ;charset=utf-8", "text/plain");
  parses("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  parses("image/svg+xml", "image/svg+xml");
  refused("");
  refused("text");
  refused("/plain");
  refused("text/");
  refused("text/plain/x");
  refused("text /plain");
  refused("text/plain x");
  refused("text/pla\"in");
  refused("tëxt/plain");
  char longer[300];
  memset(longer, 'a', sizeof longer - 1);
  longer[5] = '/';
  longer[sizeof longer - 1] = 0;
  refused(longer);
}

TEST(the_allowed_list) {
  const char *list = "application/pdf, Image/PNG ,video/*,text/plain";
  CHECK_INT(content_media_type_allowed(list, "application/pdf"), 1);
  CHECK_INT(content_media_type_allowed(list, "image/png"), 1);
  CHECK_INT(content_media_type_allowed(list, "video/mp4"), 1);
  CHECK_INT(content_media_type_allowed(list, "video/webm"), 1);
  CHECK_INT(content_media_type_allowed(list, "text/plain"), 1);
  CHECK_INT(content_media_type_allowed(list, "text/html"), 0);
  CHECK_INT(content_media_type_allowed(list, "image/jpeg"), 0);
  CHECK_INT(content_media_type_allowed(list, "application/pdfx"), 0);
  CHECK_INT(content_media_type_allowed(list, "videos/mp4"), 0);
  CHECK_INT(content_media_type_allowed(list, "vide/mp4"), 0);
  CHECK_INT(content_media_type_allowed(list, ""), 0);
  CHECK_INT(content_media_type_allowed("", "image/png"), 0);
  CHECK_INT(content_media_type_allowed(",,", "image/png"), 0);
}

TEST_MAIN(RUN(media_types_parse_to_lower_case_type_and_subtype); RUN(the_allowed_list))
