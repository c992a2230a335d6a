#!/usr/bin/env bash
# The data path's benchmark: three datanode JVMs on loopback, a 256 MiB stream written through
# their pipeline in 64 MiB chunks and read back, three rounds, MB/s (io.boomfs.datanode.DataBench).
# Usage: datanode/bench.sh [--dir DIR] [--size BYTES] [--chunk BYTES] [--datanodes N] [--rounds N]
# --dir puts the chunks on that disk (default: a temp directory, deleted at the end).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)"
# ./boom builds the project when needed and keeps the class path every module's mains run on.
"$root/boom" --version >/dev/null
jvm_flags="$(sed -n 's:.*<boom.jvm.flags>\(.*\)</boom.jvm.flags>.*:\1:p' "$root/pom.xml")"
# shellcheck disable=SC2086  # the flags are separate words on purpose
exec java $jvm_flags ${BENCH_JAVA_OPTS:-} -Xmx512m -XX:+UseSerialGC -cp "$root/deploy/target/classes:$root/deploy/target/lib/*" \
  io.boomfs.datanode.DataBench "$@"
