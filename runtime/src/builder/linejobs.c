/*
 * linejobs.c: the line tables on a second thread (linejobs.h).
 */
#include "linejobs.h"

#include <stdlib.h>
#include <string.h>

void bline_read(const llgi_dsections *s, const llgi_dunit *u, bline *b) {
  memset(b, 0, sizeof *b);
  b->rc = 1;
  if (!u->has_stmt_list || !s->line.p) return;
  b->rc = llgi_dline_read(s, u->stmt_list, u->comp_dir, &b->lines, &b->err);
  if (b->rc == 0 && llgi_dline_intervals(&b->lines, &b->iv, &b->niv)) {
    llgi_dline_free(&b->lines);
    memset(&b->lines, 0, sizeof b->lines);
    b->rc = -2;
  }
}

void bline_free(bline *b) {
  if (b->rc == 0) llgi_dline_free(&b->lines);
  free(b->iv);
  memset(b, 0, sizeof *b);
  b->rc = 1;
}

static void *run(void *arg) {
  blines *j = arg;
  for (uint32_t i = 0; i < j->n; i++) bline_read(j->s, &j->units.units[i], &j->out[i]);
  return NULL;
}

void blines_start(blines *j, const llgi_dsections *s) {
  memset(j, 0, sizeof *j);
  j->s = s;
  llgi_derr e;
  /* A refusal here is the build's own read's to report. */
  if (!s->info.p || !s->line.p || llgi_dinfo_read_units(s, &j->units, &e)) return;
  j->out = calloc(j->units.nunits ? j->units.nunits : 1, sizeof *j->out);
  if (!j->out) return;
  j->n = j->units.nunits;
  if (pthread_create(&j->thread, NULL, run, j) == 0) j->running = 1;
  else run(j);
}

void blines_join(blines *j) {
  if (!j->running) return;
  pthread_join(j->thread, NULL);
  j->running = 0;
}

bline *blines_take(blines *j, uint32_t index, uint64_t offset) {
  if (index >= j->n || j->units.units[index].offset != offset) return NULL;
  return &j->out[index];
}

void blines_free(blines *j) {
  blines_join(j);
  for (uint32_t i = 0; i < j->n; i++) bline_free(&j->out[i]);
  free(j->out);
  if (j->s) llgi_dinfo_free(&j->units);
  memset(j, 0, sizeof *j);
}
