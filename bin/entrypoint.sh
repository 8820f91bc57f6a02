#!/bin/sh
# The container's launcher: V8 sizes its heap from what it thinks the machine has, which in a
# container can be more than the container may use, so the process is killed before V8 collects.
# With a cgroup memory limit (v2, else v1), what NODE_OPTIONS does not already set is set from it:
# the old generation at ORDERSYNC_HEAP_PERCENT (50) percent of the limit, and the young generation's
# semi-spaces at 1/64 of it (1 to 16 MB; 4 MB in 256 MB), since V8's default young generation alone
# is a fifth of a 256 MB container. The rest is left for the binary's pages, buffers and native memory:
# a many-stores worker holds about 110 MB besides its heap, so at 60 % it went past a 256 MB limit.
# glibc's malloc keeps an arena per thread (8 per core); two held ~20-30 MB less at the same speed in an
# ad-hoc measurement (not in bench/results). ORDERSYNC_MEMORY_LIMIT_FILE reads the limit elsewhere (tests, the benchmark).
set -eu
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
limit_file=${ORDERSYNC_MEMORY_LIMIT_FILE:-}
if [ -z "$limit_file" ]; then
  if [ -r /sys/fs/cgroup/memory.max ]; then limit_file=/sys/fs/cgroup/memory.max
  elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then limit_file=/sys/fs/cgroup/memory/memory.limit_in_bytes
  fi
fi
if [ -n "$limit_file" ] && [ -r "$limit_file" ]; then
  limit=$(cat "$limit_file")
  # "max" (v2) or a huge number (v1's "no limit") leave V8 to its own sizing.
  if [ "$limit" != "max" ] && [ "$limit" -lt 1099511627776 ] 2>/dev/null; then
    limit_mb=$((limit / 1048576))
    case "${NODE_OPTIONS:-}" in
      *max-old-space-size*|*max_old_space_size*) ;;
      *) export NODE_OPTIONS="${NODE_OPTIONS:-} --max-old-space-size=$((limit_mb * ${ORDERSYNC_HEAP_PERCENT:-50} / 100))" ;;
    esac
    case "${NODE_OPTIONS:-}" in
      *max-semi-space-size*|*max_semi_space_size*) ;;
      *)
        semi_mb=$((limit_mb / 64))
        if [ "$semi_mb" -lt 1 ]; then semi_mb=1; fi
        if [ "$semi_mb" -gt 16 ]; then semi_mb=16; fi
        export NODE_OPTIONS="${NODE_OPTIONS:-} --max-semi-space-size=${semi_mb}"
        ;;
    esac
  fi
fi
if [ "${ORDERSYNC_ENTRYPOINT_DRY_RUN:-}" = "1" ]; then echo "NODE_OPTIONS=${NODE_OPTIONS:-} MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX}"; exit 0; fi
exec node "$(dirname "$0")/ordersync.js" "$@"
