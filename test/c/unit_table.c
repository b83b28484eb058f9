/*
 * A C unit test of the runtime on its own (ctest: docs/building.md): a table
 * written by llgi_table_write is adopted and answers findfunc, frames and
 * line lookups exactly; every single-byte change to it is refused by
 * llgi_table_adopt (its checksum covers every byte), and a table that were
 * adopted anyway would still answer inside itself (AddressSanitizer watches
 * every read); the registry finds, and after removal forgets, a range. Prints "ok <checks>" and exits 0, or names the first failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "llgi_registry.h"
#include "llgi_table.h"
#include "llgi_frametext.h"
#include "llgi_table_write.h"

int main(void) {
  static const char root[] = "/src/", a_c[] = "a.c", b_c[] = "b.c";
  const llgi_wrow rows[] = {
      {0x1000, root, a_c, 10}, {0x1010, root, a_c, 11}, {0x1040, root, a_c, 12}, /* f */
      {0x1100, root, b_c, 20}, {0x1180, 0, 0, 0},                              /* g: no lines from 0x1180 */
      {0x1300, root, b_c, 30},                                                   /* h */
  };
  const llgi_wfunc funcs[] = {
      {.entry = 0x1000, .size = 0x80, .flags = LLGI_FUNC_SYMTAB | LLGI_FUNC_SIZED, .pkg = "main", .local = "f", .row_start = 0, .row_count = 3},
      {.entry = 0x1100, .size = 0x100, .flags = LLGI_FUNC_SYMTAB | LLGI_FUNC_SIZED, .local = "g", .row_start = 3, .row_count = 2},
      {.entry = 0x1300, .size = 0x40, .flags = LLGI_FUNC_SYMTAB | LLGI_FUNC_SIZED, .local = "h", .row_start = 5, .row_count = 1},
  };
  uint8_t *buf;
  size_t size;
  CHECK(llgi_table_write(0x1000, 0x2000, funcs, 3, rows, 6, &buf, &size) == 0);
  /* adopt wants 4-byte alignment: malloc gives more */
  llgi_table t;
  llgi_table_error err;
  CHECK(llgi_table_adopt(&t, buf, size, &err) == 0);

  CHECK(llgi_table_findfunc(&t, 0x0fff) == -1);
  CHECK(llgi_table_findfunc(&t, 0x1000) == 0);
  CHECK(llgi_table_findfunc(&t, 0x10ff) == 0); /* padding after f belongs to f, as in gc */
  CHECK(llgi_table_findfunc(&t, 0x1100) == 1);
  CHECK(llgi_table_findfunc(&t, 0x12ff) == 1);
  CHECK(llgi_table_findfunc(&t, 0x1300) == 2);
  CHECK(llgi_table_findfunc(&t, 0x2000) == -1);
  CHECK(llgi_table_entry(&t, 2) == 0x1300);

  llgi_frame f[4];
  CHECK(llgi_table_frames(&t, 0x1015, f, 4) == 1);
  CHECK(strcmp(f[0].function, "main.f") == 0 && strcmp(f[0].file, "/src/a.c") == 0 && f[0].line == 11 && !f[0].inlined);
  CHECK(f[0].entry == 0x1000);
  const char *file;
  uint32_t line;
  CHECK(llgi_table_line(&t, 0, 0x1050, &file, &line) == 1 && line == 12);
  CHECK(llgi_table_line(&t, 1, 0x1190, &file, &line) == 0); /* the row without lines */
  CHECK(llgi_table_line(&t, 1, 0x1050, &file, &line) == 0); /* not inside g */
  CHECK(llgi_table_frames(&t, 0x1301, f, 4) == 1 && strcmp(f[0].function, "h") == 0 && f[0].line == 30);

  /* The text of one answer: written when it fits out[*len..cap), else nothing (also when *len is past cap). */
  {
    static const char want[] = "h\n\t/src/b.c:30\n";
    char out[64];
    memset(out, '#', sizeof out);
    size_t len = 2, need = llgi_frames_text(f, 1, out, &len, 2 + sizeof want - 2);
    CHECK(need == sizeof want - 1 && len == 2 && out[2] == '#'); /* one byte short */
    CHECK(llgi_frames_text(f, 1, out, &len, 2 + sizeof want - 1) == need && len == 2 + need && memcmp(out + 2, want, need) == 0);
    len = 40;
    CHECK(llgi_frames_text(f, 1, out, &len, 39) == need && len == 40 && out[40] == '#' && out[39] == '#');
  }

  /* Every single-byte change is refused; were one adopted, it must still answer inside the table. */
  uint8_t *copy = malloc(size);
  int refused = 0;
  for (size_t i = 0; i < size; i++) {
    memcpy(copy, buf, size);
    copy[i] ^= 0x5a;
    llgi_table u;
    if (llgi_table_adopt(&u, copy, size, &err) != 0) {
      refused++;
      continue;
    }
    for (uint64_t a = 0xff0; a < 0x1400; a += 0x13) {
      int64_t fi = llgi_table_findfunc(&u, a);
      CHECK(fi >= -1 && fi < (int64_t)u.nfunc);
      int n = llgi_table_frames(&u, a, f, 4);
      CHECK(n >= 0);
      for (int k = 0; k < n && k < 4; k++) CHECK(f[k].function != 0);
    }
  }
  CHECK(refused == (int)size);
  free(copy);

  /* Rows spread unevenly over one function (most in its first bytes, a few
   * near its end): the row search, which starts where an address falls
   * proportionally, must still find each address's row. The expected line
   * comes from a linear scan of the rows written. */
  {
    enum { CLUSTER = 60, NROWS = CLUSTER + 3 };
    llgi_wrow skew[NROWS];
    for (int i = 0; i < CLUSTER; i++) skew[i] = (llgi_wrow){0x1000 + 2 * i, root, a_c, 100 + i};
    skew[CLUSTER] = (llgi_wrow){0x1f00, root, b_c, 500};
    skew[CLUSTER + 1] = (llgi_wrow){0x1f80, root, b_c, 501};
    skew[CLUSTER + 2] = (llgi_wrow){0x1ff0, root, b_c, 502};
    const llgi_wfunc one = {.entry = 0x1000, .size = 0x1000, .flags = LLGI_FUNC_SYMTAB | LLGI_FUNC_SIZED, .local = "skewed", .row_count = NROWS};
    uint8_t *sbuf;
    size_t ssize;
    CHECK(llgi_table_write(0x1000, 0x2000, &one, 1, skew, NROWS, &sbuf, &ssize) == 0);
    llgi_table st;
    CHECK(llgi_table_adopt(&st, sbuf, ssize, &err) == 0);
    for (uint64_t a = 0x1000; a < 0x2000; a++) {
      uint32_t want = 0;
      for (int i = 0; i < NROWS && skew[i].addr <= a; i++) want = skew[i].line;
      CHECK(llgi_table_line(&st, 0, a, &file, &line) == 1 && line == want);
      CHECK(llgi_table_frames(&st, a, f, 4) == 1 && f[0].line == want);
    }
    free(sbuf);
  }

  /* The registry. */
  int slot = llgi_registry_add(0x7000, 0x8000, 0x6000, &t, 7);
  CHECK(slot >= 0);
  llgi_range r;
  CHECK(llgi_registry_find(0x7abc, &r) == 1 && r.module == 7 && r.bias == 0x6000 && r.table == &t);
  CHECK(!llgi_registry_contains(0x8000));
  uint32_t gen = llgi_registry_generation();
  llgi_registry_remove(slot);
  CHECK(llgi_registry_generation() != gen);
  CHECK(!llgi_registry_contains(0x7abc));

  free(buf);
  printf("ok %d checks, %d of %zu byte changes refused\n", checks, refused, size);
  return 0;
}
