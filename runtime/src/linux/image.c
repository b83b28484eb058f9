/*
 * image.c (Linux): a loaded object's loadable segments (llgi_image.h), from
 * the program headers dl_iterate_phdr reports.
 */
#define _GNU_SOURCE
#include "llgi_image.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

_Static_assert(PF_X == LLGI_SEG_X && PF_W == LLGI_SEG_W && PF_R == LLGI_SEG_R, "segment flags are ELF's p_flags");

typedef struct search {
  llgi_image *im;
  int found;
} search;

static int each(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  search *s = data;
  llgi_image *im = s->im;
  if (info->dlpi_addr != im->base) return 0;
  int hit = 0;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_DYNAMIC && info->dlpi_addr + info->dlpi_phdr[i].p_vaddr == (uintptr_t)im->dynamic) hit = 1;
  if (!hit) return 0;
  s->found = 1;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && im->nload < LLGI_IMAGE_MAX_LOADS) {
      im->lo[im->nload] = info->dlpi_addr + ph->p_vaddr;
      im->hi[im->nload] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
      im->flags[im->nload] = ph->p_flags;
      im->nload++;
    } else if (ph->p_type == PT_GNU_RELRO) {
      im->relro_lo = info->dlpi_addr + ph->p_vaddr;
      im->relro_hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    }
  }
  return 1;
}

int llgi_image_find(uintptr_t base, const void *dynamic, llgi_image *im) {
  memset(im, 0, sizeof *im);
  im->base = base;
  im->dynamic = dynamic;
  search s = {im, 0};
  dl_iterate_phdr(each, &s);
  return s.found;
}

int llgi_image_of_handle(void *handle, llgi_image *im) {
  struct link_map *lm = NULL;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) return 0;
  return llgi_image_find(lm->l_addr, lm->l_ld, im);
}
