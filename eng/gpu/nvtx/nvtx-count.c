/* A minimal NVTX tool: what Nsight's injection library does at attach time, reduced to counting ranges by name.
 * Load it the way nsys/ncu load theirs (NVTX_INJECTION64_PATH) to check EdgeBench's ranges on a machine without
 * Nsight (this VM, a board); at exit it prints each range name with its count, and the nesting depth (0 when every
 * push had its pop). Build: gcc -shared -fPIC -O1 -o libnvtx-count.so nvtx-count.c (check.sh does it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*function_pointer)(void);
typedef int (*get_module_table)(int module, function_pointer*** table, unsigned* size);
struct callbacks_table { size_t struct_size; get_module_table get; };
typedef const void* (*get_export_table)(unsigned id);

enum { ETID_CALLBACKS = 1, MODULE_CORE = 1, MODULE_CORE2 = 5, CORE_RANGE_PUSH_A = 9, CORE_RANGE_POP = 11, MAX_NAMES = 64 };

static char names[MAX_NAMES][48];
static long counts[MAX_NAMES];
static int name_count, depth, max_depth;

static int range_push(const char* name)
{
    int i = 0;
    while (i < name_count && strcmp(names[i], name) != 0) i++;
    if (i == name_count && name_count < MAX_NAMES) strncpy(names[name_count++], name, sizeof names[0] - 1);
    if (i < MAX_NAMES) counts[i]++;
    if (++depth > max_depth) max_depth = depth;
    return depth;
}

static int range_pop(void) { return --depth; }

static void report(void)
{
    for (int i = 0; i < name_count; i++) fprintf(stderr, "nvtx-count: %s %ld\n", names[i], counts[i]);
    fprintf(stderr, "nvtx-count: open at exit %d, deepest nesting %d\n", depth, max_depth);
}

int InitializeInjectionNvtx2(get_export_table get)
{
    const struct callbacks_table* callbacks = get(ETID_CALLBACKS);
    function_pointer** core = 0; unsigned core_size = 0;
    function_pointer** core2 = 0; unsigned core2_size = 0;
    /* As the Nsight tools do: refuse to attach unless the core and core2 modules both answer. */
    if (!callbacks || !callbacks->get(MODULE_CORE, &core, &core_size) || core_size <= CORE_RANGE_POP
        || !callbacks->get(MODULE_CORE2, &core2, &core2_size)) return 0;
    *core[CORE_RANGE_PUSH_A] = (function_pointer)range_push;
    *core[CORE_RANGE_POP] = (function_pointer)range_pop;
    atexit(report);
    fprintf(stderr, "nvtx-count: attached (core table %u slots, core2 %u)\n", core_size, core2_size);
    return 1;
}
