/* src/core/json.c: the text kinds of a body's fields (JF_NAME, JF_TEXT): every control, format and
 * separator character per kind, and NFC for names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "test.h"

static const json_field fields[] = {
    {"name", JF_NAME, 0, 1, 20, NULL},
    {"text", JF_TEXT, 0, 0, 200, NULL},
    {"raw", JF_STRING, 0, 0, 200, NULL},
};

/* Checks {"<field>": "a" + the code point cp in UTF-8 + "b"}; returns the verdict. */
static pheme_err check_cp(const char *field, unsigned cp, char *msg, size_t msglen) {
  char utf8[5] = {0};
  if (cp < 0x80) {
    utf8[0] = (char)cp;
  } else if (cp < 0x800) {
    utf8[0] = (char)(0xc0 | cp >> 6);
    utf8[1] = (char)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    utf8[0] = (char)(0xe0 | cp >> 12);
    utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    utf8[2] = (char)(0x80 | (cp & 0x3f));
  } else {
    utf8[0] = (char)(0xf0 | cp >> 18);
    utf8[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    utf8[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    utf8[3] = (char)(0x80 | (cp & 0x3f));
  }
  char value[8];
  size_t n = (size_t)snprintf(value, sizeof value, "a%sb", cp ? utf8 : "");
  if (cp == 0) n = 3; /* "a\0b" */
  json_t *obj = json_object();
  if (!obj) return PHEME_SYS_NOMEM;
  json_object_set_new(obj, field, json_stringn(value, n));
  pheme_err e = json_check(obj, fields, 3, msg, msglen);
  json_decref(obj);
  return e;
}

static void refused(const char *field, unsigned cp) {
  char msg[256] = "";
  pheme_err e = check_cp(field, cp, msg, sizeof msg);
  if (e != PHEME_API_BAD_REQUEST) fprintf(stderr, "%s: U+%04X was taken\n", field, cp);
  CHECK_INT(e, PHEME_API_BAD_REQUEST);
  char want[16];
  snprintf(want, sizeof want, "U+%04X", cp);
  CHECK(strstr(msg, want) != NULL);
  CHECK(strstr(msg, field) != NULL);
}

static void taken(const char *field, unsigned cp) {
  char msg[256] = "";
  pheme_err e = check_cp(field, cp, msg, sizeof msg);
  if (e != PHEME_OK) fprintf(stderr, "%s: U+%04X refused: %s\n", field, cp, msg);
  CHECK_INT(e, PHEME_OK);
}

TEST(names_refuse_every_control) {
  for (unsigned c = 0; c < 0x20; c++) refused("name", c);
  refused("name", 0x7f);
  for (unsigned c = 0x80; c <= 0x9f; c++) refused("name", c);
}

TEST(text_refuses_controls_but_newline_and_tab) {
  for (unsigned c = 0; c < 0x20; c++) {
    if (c == '\n' || c == '\t') taken("text", c);
    else refused("text", c);
  }
  refused("text", 0x7f);
  for (unsigned c = 0x80; c <= 0x9f; c++) refused("text", c);
  /* right-to-left text and its marks are text */
  taken("text", 0x202e);
  taken("text", 0x200f);
  taken("text", 0x05d0);
}

TEST(names_refuse_format_characters_and_separators) {
  static const unsigned cf[] = {0x00ad, 0x061c, 0x180e, 0x200b, 0x200e, 0x200f, 0x202a, 0x202b,
                                0x202c, 0x202d, 0x202e, 0x2060, 0x2061, 0x2066, 0x2067, 0x2068,
                                0x2069, 0xfeff, 0xfff9, 0xe0001, 0xe0041, 0x2028, 0x2029};
  for (size_t i = 0; i < sizeof cf / sizeof cf[0]; i++) refused("name", cf[i]);
  /* joiners are part of names in Persian, Indic scripts and emoji sequences */
  taken("name", 0x200c);
  taken("name", 0x200d);
  taken("name", 0x05d0); /* Hebrew alef */
  taken("name", 0x4e2d);
  taken("name", 0x1f600);
  taken("name", ' ');
}

TEST(plain_strings_are_as_before) {
  taken("raw", 0x1b);
  taken("raw", 0x202e);
}

TEST(names_are_normalised_to_nfc) {
  char msg[256];
  json_t *obj = json_pack("{s:s, s:s}", "name", "Jose\xcc\x81 Cafe\xcc\x81", "text", "Cafe\xcc\x81");
  REQUIRE(obj);
  CHECK_INT(json_check(obj, fields, 3, msg, sizeof msg), PHEME_OK);
  CHECK_STR(json_string_value(json_object_get(obj, "name")), "Jos\xc3\xa9 Caf\xc3\xa9");
  CHECK_STR(json_string_value(json_object_get(obj, "text")), "Cafe\xcc\x81"); /* text is kept as sent */
  json_decref(obj);
  /* the length is the normal form's: 20 bytes of "e" + U+0301 is 10 é of 2 bytes... */
  obj = json_pack("{s:s}", "name", "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81");
  REQUIRE(obj);
  CHECK_INT(json_check(obj, fields, 3, msg, sizeof msg), PHEME_OK); /* 21 bytes sent, 14 in NFC */
  json_decref(obj);
  size_t n;
  char *z = json_text_nfc("\xe2\x84\xab", 3, &n); /* ANGSTROM SIGN -> A WITH RING ABOVE */
  REQUIRE(z);
  CHECK_MEM(z, n, "\xc3\x85", 2);
  free(z);
}

TEST_MAIN(RUN(names_refuse_every_control); RUN(text_refuses_controls_but_newline_and_tab);
          RUN(names_refuse_format_characters_and_separators); RUN(plain_strings_are_as_before);
          RUN(names_are_normalised_to_nfc))
