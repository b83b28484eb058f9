// The builder's revision: part of every table cache key (lib/table-store.ts),
// kept apart from build.ts so reading the cache never loads the builder.

/**
 * Bump whenever the same binary would now get another table. 2: llgo tables; 3: llgo lines over DWARF, cut LLGOFTB1,
 * LLGOPCL1; 4: gc binaries get gc's runtime names (goname.ts); 5: gc wrappers flagged (FUNC_WRAPPER), gc's relative
 * file names bare; 6: the builder in C (runtime/include/llgi_build.h): the same answers, strings shared differently.
 */
export const BUILDER_REVISION = 6;
