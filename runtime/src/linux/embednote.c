/*
 * embednote.c (Linux): the "LLGI.table" note of a loaded image
 * (llgi_embed_elf.h, llgi_embed.h). A note's sizes are checked against its
 * segment before its name or descriptor is touched.
 */
#define _GNU_SOURCE
#include "llgi_embed_elf.h"

#include <elf.h>
#include <string.h>

#include "llgi_embed.h"

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

int llgi_embed_note(uintptr_t bias, const char *name, const uint8_t **desc, size_t *descsz) {
  struct locate l = {bias, name, NULL, 0, 0};
  dl_iterate_phdr(each, &l);
  if (!l.found) return 0;
  *desc = l.desc;
  *descsz = l.descsz;
  return 1;
}
