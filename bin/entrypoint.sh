#!/bin/sh
# The container's launcher: V8 sizes its heap from what it thinks the machine has, which in a
# container can be more than the container may use, so the process is killed before V8 collects.
# With a cgroup memory limit (v2, else v1) and no heap size already in NODE_OPTIONS, the heap is
# capped at ORDERSYNC_HEAP_PERCENT (60) percent of the limit, leaving the rest for buffers and
# native memory. ORDERSYNC_MEMORY_LIMIT_FILE reads the limit elsewhere (tests).
set -eu
limit_file=${ORDERSYNC_MEMORY_LIMIT_FILE:-}
if [ -z "$limit_file" ]; then
  if [ -r /sys/fs/cgroup/memory.max ]; then limit_file=/sys/fs/cgroup/memory.max
  elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then limit_file=/sys/fs/cgroup/memory/memory.limit_in_bytes
  fi
fi
case "${NODE_OPTIONS:-}" in
  *max-old-space-size*|*max_old_space_size*) ;;
  *)
    if [ -n "$limit_file" ] && [ -r "$limit_file" ]; then
      limit=$(cat "$limit_file")
      # "max" (v2) or a huge number (v1's "no limit") leave V8 to its own sizing.
      if [ "$limit" != "max" ] && [ "$limit" -lt 1099511627776 ] 2>/dev/null; then
        heap_mb=$((limit / 1048576 * ${ORDERSYNC_HEAP_PERCENT:-60} / 100))
        export NODE_OPTIONS="${NODE_OPTIONS:-} --max-old-space-size=${heap_mb}"
      fi
    fi
    ;;
esac
if [ "${ORDERSYNC_ENTRYPOINT_DRY_RUN:-}" = "1" ]; then echo "NODE_OPTIONS=${NODE_OPTIONS:-}"; exit 0; fi
exec node "$(dirname "$0")/ordersync.js" "$@"
