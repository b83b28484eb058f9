/*
 * embed.c: finding an LLGI table embedded in a loaded image (llgi_embed.h).
 *
 * The platform finds the reserved descriptor (llgi_embed_note; Linux:
 * linux/embednote.c). Everything here reads it through explicit bounds;
 * validating the table itself is llgi_table_adopt's job (table.c), which the
 * caller runs on what llgi_embed_table returns.
 */
#include "llgi_embed.h"

#include <string.h>

static size_t pad(size_t n, size_t align) { return (n + align - 1) & ~(align - 1); }

static uint32_t u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static int fail(llgi_table_error *err, const char *what, uint64_t offset) {
  if (err) {
    err->what = what;
    err->offset = offset;
  }
  return -1;
}

int llgi_embed_table(const uint8_t *desc, size_t descsz, const void **table, size_t *size, llgi_table_error *err) {
  size_t head = descsz < LLGI_TABLE_HEADER_SIZE ? descsz : LLGI_TABLE_HEADER_SIZE;
  size_t zero = 0;
  while (zero < head && desc[zero] == 0) zero++;
  if (zero == head) return 0; /* reserved, nothing written */
  if (((uintptr_t)desc & 3) != 0) return fail(err, "embedded table is not 4-byte aligned in memory", 0);
  if (descsz < LLGI_TABLE_HEADER_SIZE) return fail(err, "note descriptor is shorter than a table header", descsz);
  uint32_t total = u32(desc + 12);
  if (total > descsz) return fail(err, "embedded table's total size exceeds the note descriptor", 12);
  *table = desc;
  *size = total;
  return 1;
}

int llgi_embed_sums(const uint8_t *desc, size_t descsz, size_t size, const void **sums, size_t *sums_size,
                    llgi_table_error *err) {
  size_t at = pad(size, 8);
  if (size > descsz || at > descsz || descsz - at < 8) return 0;
  size_t zero = 0;
  while (zero < 8 && desc[at + zero] == 0) zero++;
  if (zero == 8) return 0;
  if (memcmp(desc + at, LLGI_SUMS_MAGIC, 8) != 0)
    return fail(err, "the bytes after the embedded table are neither zero nor a checksum index", at);
  uint64_t nchunks, npages, len = llgi_sums_size(size, &nchunks, &npages);
  if (len > descsz - at) return fail(err, "the checksum index runs past the note descriptor", at);
  *sums = desc + at;
  *sums_size = len;
  return 1;
}

int llgi_embed_locate(uintptr_t bias, const char *name, const void **table, size_t *size, const void **sums,
                      size_t *sums_size, llgi_table_error *err) {
  const uint8_t *desc;
  size_t descsz;
  *sums = NULL;
  *sums_size = 0;
  if (!llgi_embed_note(bias, name, &desc, &descsz)) return 0;
  int found = llgi_embed_table(desc, descsz, table, size, err);
  if (found != 1) return found;
  return llgi_embed_sums(desc, descsz, *size, sums, sums_size, err) < 0 ? -1 : 1;
}
