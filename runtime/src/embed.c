/*
 * embed.c: finding an LLGI table embedded in a loaded image (llgi_embed.h).
 *
 * Everything here reads the image's mapped note segments through explicit
 * bounds (a note's sizes are checked against its segment before its name or
 * descriptor is touched); validating the table itself is llgi_table_adopt's
 * job (table.c), which the caller runs on what llgi_embed_table returns.
 */
#define _GNU_SOURCE
#include "llgi_embed.h"

#include <elf.h>
#include <string.h>

static const char k_name[] = LLGI_EMBED_NOTE_NAME; /* sizeof = namesz = 11 */

static size_t pad(size_t n, size_t align) { return (n + align - 1) & ~(align - 1); }

static uint32_t u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

int llgi_embed_find(uintptr_t bias, const ElfW(Phdr) *phdr, size_t phnum, const uint8_t **desc, size_t *descsz) {
  for (size_t i = 0; i < phnum; i++) {
    if (phdr[i].p_type != PT_NOTE) continue;
    /* gABI: 8-byte notes (p_align 8) pad name and descriptor to 8, others to 4. */
    size_t align = phdr[i].p_align == 8 ? 8 : 4;
    const uint8_t *p = (const uint8_t *)(bias + phdr[i].p_vaddr);
    size_t left = phdr[i].p_memsz;
    while (left >= 12) {
      uint32_t namesz = u32(p), dsz = u32(p + 4), type = u32(p + 8);
      /* glibc's ELF_NOTE_DESC_OFFSET / ELF_NOTE_NEXT_OFFSET: header + name, then desc, each padded. */
      size_t name_end = pad(12 + (size_t)namesz, align);
      if (name_end > left || dsz > left - name_end) break; /* malformed or truncated: stop this segment */
      if (type == LLGI_EMBED_NOTE_TYPE && namesz == sizeof k_name && memcmp(p + 12, k_name, sizeof k_name) == 0) {
        *desc = p + name_end;
        *descsz = dsz;
        return 1;
      }
      size_t next = pad(name_end + dsz, align);
      if (next >= left) break;
      p += next;
      left -= next;
    }
  }
  return 0;
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

struct locate {
  uintptr_t bias;
  const char *name;
  const uint8_t *desc;
  size_t descsz;
  int found;
};

static int each(struct dl_phdr_info *info, size_t sz, void *data) {
  (void)sz;
  struct locate *l = data;
  if (info->dlpi_addr != l->bias || strcmp(info->dlpi_name, l->name) != 0) return 0;
  l->found = llgi_embed_find(info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum, &l->desc, &l->descsz);
  return 1;
}

int llgi_embed_locate(uintptr_t bias, const char *name, const void **table, size_t *size, const void **sums,
                      size_t *sums_size, llgi_table_error *err) {
  struct locate l = {bias, name, NULL, 0, 0};
  dl_iterate_phdr(each, &l);
  *sums = NULL;
  *sums_size = 0;
  if (!l.found) return 0;
  int found = llgi_embed_table(l.desc, l.descsz, table, size, err);
  if (found != 1) return found;
  return llgi_embed_sums(l.desc, l.descsz, *size, sums, sums_size, err) < 0 ? -1 : 1;
}
