/*
 * nodes.c: the inline tree (docs/table-format.md): one node per painted
 * inlined subroutine and per inlined subroutine enclosing one, parents
 * first, made in address order of the paints. A painted subprogram (the
 * physical function's own code) is no node.
 */
#include "bctx.h"

/* The node of inlined subroutine `sub`, made with its inlined ancestors when new. */
static uint32_t node_for(bctx *c, uint32_t sub) {
  const llgi_dsub *subs = c->info.subs;
  /* Climb to the nearest ancestor that has a node or is none (chains are
   * bounded by the subroutine count: parents precede children). */
  uint32_t top = sub, depth = 0;
  while (top != LLGI_DNONE && subs[top].tag == LLGI_DSUB_INLINED && c->node_of[top] == LLGI_NONE) {
    top = subs[top].parent;
    depth++;
  }
  uint32_t parent = top != LLGI_DNONE && subs[top].tag == LLGI_DSUB_INLINED ? c->node_of[top] : LLGI_NONE;
  /* Make nodes outermost first: walk the chain again from the top down. */
  bvec *chain = &c->scratch2;
  bvec_scratch(chain, sizeof(uint32_t));
  for (uint32_t s = sub; depth--; s = subs[s].parent) *(uint32_t *)bvec_push(c, chain) = s;
  for (size_t k = chain->n; k-- > 0;) {
    uint32_t s = BVEC_AT(chain, uint32_t, k);
    const llgi_dsub *d = &subs[s];
    uint32_t unit = c->sub_unit[s];
    const char *name = d->name ? d->name : "";
    llgi_wnode *n = bvec_push(c, &c->nodes);
    *n = (llgi_wnode){parent, (c->in->flags & LLGI_BUILD_GC) ? bgc_print_name(c, name) : bintern(c, name),
                      (d->has & LLGI_DHAS_CALL_FILE) ? bfile(c, unit, d->call_file, 1) : NULL,
                      (d->has & LLGI_DHAS_CALL_LINE) ? d->call_line : 0};
    parent = c->node_of[s] = (uint32_t)(c->nodes.n - 1);
  }
  return subs[sub].tag == LLGI_DSUB_INLINED ? c->node_of[sub] : LLGI_NONE;
}

void bnodes(bctx *c) {
  c->node_of = bx_realloc(c, NULL, (size_t)c->info.nsubs * sizeof(uint32_t));
  for (uint32_t i = 0; i < c->info.nsubs; i++) c->node_of[i] = LLGI_NONE;
  for (size_t i = 0; i < c->paintiv.n; i++) {
    biv *iv = &BVEC_AT(&c->paintiv, biv, i);
    iv->a = node_for(c, (uint32_t)iv->a);
  }
  bvec_free(&c->scratch2);
}
