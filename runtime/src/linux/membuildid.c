/*
 * membuildid.c (Linux): the GNU build-id of a mapped ELF image
 * (membuildid.h), for crash records: ELF header, program headers, then the
 * PT_NOTE segments, each copied with llgi_safe_read.
 */
#define _GNU_SOURCE
#include "membuildid.h"

#include "saferead.h"

#include <string.h>

#define PHDR_SIZE 56
#define MAX_PHDRS 64
#define MAX_NOTES 1024
#define PT_LOAD_ 1
#define PT_NOTE_ 4
#define NT_GNU_BUILD_ID_ 3

typedef struct phdr {
  uint32_t type;
  uint64_t offset, vaddr, memsz;
} phdr;

static phdr phdr_at(const unsigned char *ph, int i) {
  phdr p;
  memcpy(&p.type, ph + i * PHDR_SIZE, 4);
  memcpy(&p.offset, ph + i * PHDR_SIZE + 8, 8);
  memcpy(&p.vaddr, ph + i * PHDR_SIZE + 16, 8);
  memcpy(&p.memsz, ph + i * PHDR_SIZE + 40, 8);
  return p;
}

/* The build-id note in notes[0..size), as hex. */
static int from_notes(const unsigned char *notes, uint64_t size, char *hex, size_t cap) {
  for (uint64_t at = 0; at + 12 <= size;) {
    uint32_t namesz, descsz, type;
    memcpy(&namesz, notes + at, 4);
    memcpy(&descsz, notes + at + 4, 4);
    memcpy(&type, notes + at + 8, 4);
    uint64_t name = at + 12, desc = name + ((namesz + 3ull) & ~3ull);
    if (desc + descsz > size) return 0;
    if (type == NT_GNU_BUILD_ID_ && namesz == 4 && !memcmp(notes + name, "GNU", 4)) {
      if ((size_t)descsz * 2 + 1 > cap) return 0;
      for (uint32_t k = 0; k < descsz; k++) {
        hex[2 * k] = "0123456789abcdef"[notes[desc + k] >> 4];
        hex[2 * k + 1] = "0123456789abcdef"[notes[desc + k] & 15];
      }
      hex[2 * descsz] = 0;
      return 1;
    }
    at = desc + ((descsz + 3ull) & ~3ull);
  }
  return 0;
}

int llgi_mem_build_id(uintptr_t base, char *hex, size_t cap) {
  unsigned char eh[64];
  if (!llgi_safe_read(base, eh, sizeof eh) || memcmp(eh, "\177ELF", 4) || eh[4] != 2) return 0;
  uint64_t phoff;
  uint16_t phentsize, phnum;
  memcpy(&phoff, eh + 32, 8);
  memcpy(&phentsize, eh + 54, 2);
  memcpy(&phnum, eh + 56, 2);
  if (phentsize != PHDR_SIZE || phnum > MAX_PHDRS) return 0;
  unsigned char ph[MAX_PHDRS * PHDR_SIZE];
  if (!llgi_safe_read(base + phoff, ph, (size_t)phnum * PHDR_SIZE)) return 0;
  /* base maps the first PT_LOAD's file offset 0: vaddr v is at base - (its vaddr - its offset) + v. */
  uint64_t bias = UINT64_MAX;
  for (int i = 0; i < phnum && bias == UINT64_MAX; i++) {
    phdr p = phdr_at(ph, i);
    if (p.type == PT_LOAD_) bias = p.vaddr - p.offset;
  }
  if (bias == UINT64_MAX) return 0;
  for (int i = 0; i < phnum; i++) {
    phdr p = phdr_at(ph, i);
    if (p.type != PT_NOTE_ || p.memsz > MAX_NOTES) continue;
    unsigned char notes[MAX_NOTES];
    if (llgi_safe_read(base - bias + p.vaddr, notes, p.memsz) && from_notes(notes, p.memsz, hex, cap)) return 1;
  }
  return 0;
}
