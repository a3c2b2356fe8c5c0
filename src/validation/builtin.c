/* The builtin assessor: deterministic, offline, and NOT a language model. It reads no meaning; it
 * counts. Per criterion: the share of the criterion's terms (words of 4+ bytes from its name and
 * description, minus common words) that occur in the submission. Structure: length, paragraphs,
 * list items, code blocks. Evidence: an item of an accepted type present, and how many. The
 * formulas are in docs/validation.md ("The builtin assessor"), with what each number means. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "core/buf.h"
#include "validation/assessor.h"

#include "core/banned.h"

static const char *const stopwords[] = {
    "about", "also", "been", "does", "each", "from", "have", "into", "more", "must", "should",
    "shows", "than", "that", "their", "them", "there", "they", "this", "used", "using", "were",
    "what", "when", "where", "which", "will", "with", "your",
};

static int word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Calls fn for each lower-cased word of s[0..n). */
typedef void (*word_fn)(void *ctx, const char *w, size_t n);
static void each_word(const char *s, size_t n, word_fn fn, void *ctx) {
  char w[64];
  for (size_t i = 0; i < n;) {
    while (i < n && !word_byte((unsigned char)s[i])) i++;
    size_t len = 0;
    for (; i < n && word_byte((unsigned char)s[i]); i++) {
      unsigned char c = (unsigned char)s[i];
      if (len < sizeof w) w[len] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
      len++;
    }
    if (len) fn(ctx, w, len < sizeof w ? len : sizeof w);
  }
}

typedef struct {
  uint64_t *h;
  size_t n, cap;
  int failed;
} hashset;

static void add_hash(hashset *s, uint64_t h) {
  if (s->n == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 256;
    uint64_t *p = realloc(s->h, nc * sizeof *p);
    if (!p) {
      s->failed = 1;
      return;
    }
    s->h = p;
    s->cap = nc;
  }
  s->h[s->n++] = h;
}

static void text_word(void *ctx, const char *w, size_t n) { add_hash(ctx, XXH64(w, n, 0)); }

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int has(const hashset *s, const char *w, size_t n) {
  uint64_t h = XXH64(w, n, 0);
  if (s->n == 0) return 0;
  return bsearch(&h, s->h, s->n, sizeof h, cmp_u64) != NULL;
}

/* present as is, with a trailing s, or without one */
static int term_present(const hashset *text, const char *w, size_t n) {
  char t[72];
  if (has(text, w, n)) return 1;
  memcpy(t, w, n);
  t[n] = 's';
  if (has(text, t, n + 1)) return 1;
  return n > 4 && w[n - 1] == 's' && has(text, w, n - 1);
}

typedef struct {
  json_t *terms; /* distinct terms, in order of appearance */
} term_ctx;

static void crit_word(void *ctx, const char *w, size_t n) {
  term_ctx *t = ctx;
  if (n < 4) return;
  for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++)
    if (strlen(stopwords[i]) == n && memcmp(stopwords[i], w, n) == 0) return;
  size_t i;
  json_t *v;
  json_array_foreach(t->terms, i, v) if (json_string_length(v) == n &&
                                          memcmp(json_string_value(v), w, n) == 0) return;
  json_array_append_new(t->terms, json_stringn_nocheck(w, n));
}

typedef struct {
  size_t words, paragraphs, list_items, code_blocks;
} structure;

static structure measure_structure(const char *s, size_t n) {
  structure st = {0};
  int in_para = 0;
  size_t fences = 0;
  for (size_t i = 0; i < n;) {
    size_t e = i;
    while (e < n && s[e] != '\n') e++;
    size_t a = i;
    while (a < e && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r')) a++;
    if (a == e) in_para = 0;
    else {
      if (!in_para) st.paragraphs++;
      in_para = 1;
      if (e - a >= 3 && memcmp(s + a, "```", 3) == 0) fences++;
      else if (e - a >= 2 && (s[a] == '-' || s[a] == '*' || s[a] == '+') && s[a + 1] == ' ')
        st.list_items++;
      else {
        size_t d = a;
        while (d < e && s[d] >= '0' && s[d] <= '9') d++;
        if (d > a && d + 1 < e && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ') st.list_items++;
      }
    }
    i = e + 1;
  }
  st.code_blocks = fences / 2;
  for (size_t i = 0; i < n;) {
    while (i < n && !word_byte((unsigned char)s[i])) i++;
    if (i < n) st.words++;
    while (i < n && word_byte((unsigned char)s[i])) i++;
  }
  return st;
}

static double cap1(double x) { return x > 1 ? 1 : x; }
static int pct(double x) { return (int)floor(100.0 * x + 0.5); }

static int accepted_type(const assess_task *t, const char *type) {
  if (t->n_accepted == 0) return 1;
  for (size_t i = 0; i < t->n_accepted; i++)
    if (strcmp(t->accepted_evidence[i], type) == 0) return 1;
  return 0;
}

static assess_code builtin_assess(void *self, const assess_task *task, const assess_submission *sub,
                                  assessment *out, char *err, size_t errlen) {
  (void)self;
  hashset text = {0};
  each_word(sub->text ? sub->text : "", sub->text_len, text_word, &text);
  if (text.failed) goto nomem;
  if (text.n) qsort(text.h, text.n, sizeof *text.h, cmp_u64);
  structure st = measure_structure(sub->text ? sub->text : "", sub->text_len);

  json_t *m = json_object(), *crits = json_array();
  out->measured = m;
  if (!m || !crits) {
    json_decref(crits);
    goto nomem;
  }
  json_object_set_new(m, "criteria", crits);
  double wsum = 0, rubric = 0;
  double st_score = 0.4 * cap1(st.words / 300.0) + 0.3 * cap1(st.paragraphs / 4.0) +
                    0.15 * cap1(st.list_items / 3.0) + 0.15 * cap1((double)st.code_blocks);
  buf fb;
  buf_init(&fb, ASSESS_MAX_FEEDBACK);
  int ok = 1;
  for (size_t i = 0; i < task->n_criteria; i++) {
    const assess_criterion *c = &task->criteria[i];
    term_ctx tc = {json_array()};
    json_t *found = json_array(), *missing = json_array();
    if (!tc.terms || !found || !missing) {
      json_decref(tc.terms);
      json_decref(found);
      json_decref(missing);
      buf_release(&fb);
      goto nomem;
    }
    each_word(c->name, strlen(c->name), crit_word, &tc);
    if (c->description) each_word(c->description, strlen(c->description), crit_word, &tc);
    size_t k;
    json_t *v;
    json_array_foreach(tc.terms, k, v) {
      int here = term_present(&text, json_string_value(v), json_string_length(v));
      json_array_append(here ? found : missing, v);
    }
    size_t nt = json_array_size(tc.terms), nf = json_array_size(found);
    int score = nt ? pct((double)nf / (double)nt) : pct(st_score);
    out->criterion_scores[i] = score;
    rubric += c->weight * score;
    wsum += c->weight;
    json_array_append_new(crits, json_pack("{s:s,s:i,s:i,s:i,s:o,s:o}", "name", c->name, "terms",
                                           (int)nt, "found_count", (int)nf, "score", score, "found",
                                           found, "missing", missing));
    ok &= buf_printf(&fb, "%s%s: %zu of %zu terms found", i ? "; " : "", c->name, nf, nt) == 0;
    if (nt == 0) ok &= buf_adds(&fb, " (no terms: the structure score stands in)") == 0;
    else if (nf < nt) {
      ok &= buf_adds(&fb, " (missing: ") == 0;
      json_array_foreach(missing, k, v) {
        if (k == 5) {
          ok &= buf_adds(&fb, ", ...") == 0;
          break;
        }
        ok &= buf_printf(&fb, "%s%s", k ? ", " : "", json_string_value(v)) == 0;
      }
      ok &= buf_addc(&fb, ')') == 0;
    }
    json_decref(tc.terms);
  }
  out->n_criteria = task->n_criteria;
  rubric /= wsum;

  size_t accepted = 0, unaccepted = 0;
  for (size_t i = 0; i < sub->n_evidence; i++) {
    if (accepted_type(task, sub->evidence[i].type)) accepted++;
    else unaccepted++;
  }
  int evidence_applies = task->n_accepted > 0 || sub->n_evidence > 0;
  double ev = 0.6 * (accepted > 0) + 0.4 * cap1(accepted / 2.0);
  double overall = evidence_applies ? 0.6 * rubric + 0.25 * 100 * st_score + 0.15 * 100 * ev
                                    : 0.7 * rubric + 0.3 * 100 * st_score;
  out->overall = (int)floor(overall + 0.5);
  if (out->overall > 100) out->overall = 100;
  out->confidence = 0.2 + 0.3 * cap1(st.words / 300.0);
  snprintf(out->assessor, sizeof out->assessor, "builtin");
  snprintf(out->model, sizeof out->model, "%s", BUILTIN_MODEL);
  json_object_set_new(m, "rubric_coverage", json_integer((int)floor(rubric + 0.5)));
  json_object_set_new(m, "structure", json_pack("{s:i,s:I,s:I,s:I,s:I}", "score", pct(st_score),
                                                "words", (json_int_t)st.words, "paragraphs",
                                                (json_int_t)st.paragraphs, "list_items",
                                                (json_int_t)st.list_items, "code_blocks",
                                                (json_int_t)st.code_blocks));
  json_object_set_new(m, "evidence", evidence_applies
                                         ? json_pack("{s:i,s:I,s:I}", "score", pct(ev), "accepted",
                                                     (json_int_t)accepted, "unaccepted",
                                                     (json_int_t)unaccepted)
                                         : json_pack("{s:b}", "applies", 0));
  json_object_set_new(m, "note", json_string("builtin assessor: counts terms, structure and "
                                             "evidence; not a language model"));
  char head[256], evs[16] = "not asked";
  if (evidence_applies) snprintf(evs, sizeof evs, "%d/100", pct(ev));
  snprintf(head, sizeof head,
           "Builtin check (not a language model): rubric coverage %d/100, structure %d/100, "
           "evidence %s. ",
           (int)floor(rubric + 0.5), pct(st_score), evs);
  size_t hl = strlen(head);
  out->feedback = malloc(hl + fb.len + 1);
  if (!out->feedback || !ok) {
    buf_release(&fb);
    goto nomem;
  }
  memcpy(out->feedback, head, hl);
  memcpy(out->feedback + hl, fb.data, fb.len + 1);
  buf_release(&fb);
  free(text.h);
  return ASSESS_OK;
nomem:
  free(text.h);
  return assess_fail(ASSESS_NOMEM, err, errlen, "out of memory in the builtin assessor");
}

const assessor_ops assessor_builtin_ops = {"builtin", builtin_assess, NULL};

assessor assessor_builtin(void) { return (assessor){&assessor_builtin_ops, NULL}; }
